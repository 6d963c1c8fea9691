# Components of this subpackage are imported here (one line each).
from .adversarial_balancer import AdversarialBalancer  # noqa: F401
from .base_balancer import BALANCER_INPUTS, BalanceResult, BaseBalancer  # noqa: F401
from .fixed_balancer import FixedBalancer  # noqa: F401
