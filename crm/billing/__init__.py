"""Billing: runs (set-based, idempotent, prorated, taxed), gapless numbering, credit notes,
payments with allocations and refunds, balances and statements, dunning and the e-mail outbox."""
