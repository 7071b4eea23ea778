"""Long-term finance: projection, collective view, bank view, text output.

:mod:`.projection` rolls year 1 over the plant's life per escalation case; :mod:`.collective`
splits each case between venues, producer and the collective; :mod:`.bank` computes DSCR at P50
and P90 and sizes the loan; :mod:`._format` prints them.
"""

from ._format import (
    format_bank,
    format_cash_flows,
    format_collective,
    format_finance,
    format_metrics,
)
from ._metrics import escalation_index, irr, loan_schedule, metrics, npv, payback_years
from .bank import (
    DebtMetrics,
    LoanSizing,
    YieldP90,
    annuity_factor,
    debt_metrics,
    p90_factor,
    size_loan,
)
from .collective import STAKE_REMUNERATIONS, CollectiveView, StakePolicy, collective_view
from .projection import (
    REQUIRED_BILL_COLUMNS,
    BankView,
    EscalationCase,
    FinanceResult,
    ProducerInputs,
    assumptions_table,
    case_name,
    headline_case_name,
    producer_inputs,
    project_finance,
    project_result,
)

__all__ = [
    "REQUIRED_BILL_COLUMNS",
    "STAKE_REMUNERATIONS",
    "BankView",
    "CollectiveView",
    "DebtMetrics",
    "EscalationCase",
    "FinanceResult",
    "LoanSizing",
    "ProducerInputs",
    "StakePolicy",
    "YieldP90",
    "annuity_factor",
    "assumptions_table",
    "case_name",
    "collective_view",
    "debt_metrics",
    "escalation_index",
    "format_bank",
    "format_cash_flows",
    "format_collective",
    "format_finance",
    "format_metrics",
    "headline_case_name",
    "irr",
    "loan_schedule",
    "metrics",
    "npv",
    "p90_factor",
    "payback_years",
    "producer_inputs",
    "project_finance",
    "project_result",
    "size_loan",
]
