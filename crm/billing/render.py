"""An invoice as a printable HTML document (Jinja2, autoescaped: names and descriptions are data).
No PDF: no maintained pure-Python PDF library is installed; print the HTML to PDF from a browser."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from crm.models import Customer, Invoice, InvoiceKind, InvoiceLine

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True), auto_reload=False)


def invoice_html(session: Session, invoice_id: int) -> str:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found")
    customer = session.get(Customer, invoice.customer_id)
    lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                            .order_by(InvoiceLine.id)).all()
    credited = session.get(Invoice, invoice.credit_of_id) if invoice.credit_of_id else None
    title = "Credit note" if invoice.kind == InvoiceKind.CREDIT_NOTE else "Invoice"
    return _ENV.get_template("invoice.html.j2").render(invoice=invoice, customer=customer, lines=lines,
                                                    credited=credited, title=title)
