"""initial schema: shared, CRM and OMS tables

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 20:54:54.903757
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("object_type", sa.String(length=50), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"], unique=False)
    op.create_table(
        "bulk_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "authorize",
                "remove",
                "reboot",
                "suspend",
                "resume",
                "rename",
                "replace",
                "move",
                "discover",
                "reconcile",
                "test_connection",
                "poll",
                name="job_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "compensated",
                "needs_reconcile",
                "cancelled",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("dry_run", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_runs")),
    )
    op.create_table(
        "cli_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "vendor_family",
            sa.Enum(
                "huawei_smartax",
                "zte_c3xx",
                "zte_c6xx",
                name="vendor_family",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "action",
            sa.Enum(
                "authorize",
                "remove",
                "reboot",
                "suspend",
                "resume",
                "rename",
                "replace",
                "move",
                name="cli_action",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("default_body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.String(length=100), server_default="system", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cli_templates")),
        sa.UniqueConstraint("vendor_family", "action", name=op.f("uq_cli_templates_vendor_family_action")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "closed",
                name="customer_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("code", name=op.f("uq_customers_code")),
    )
    op.create_table(
        "onu_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("eth_ports", sa.Integer(), server_default="1", nullable=False),
        sa.Column("pots_ports", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wifi_24ghz", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("wifi_5ghz", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("catv", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "tr069_data_model",
            sa.Enum(
                "tr098",
                "tr181",
                name="tr069_data_model",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="tr098",
            nullable=False,
        ),
        sa.Column(
            "equipment_ids", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "eth_ports >= 0 AND pots_ports >= 0", name=op.f("ck_onu_types_ports_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onu_types")),
        sa.UniqueConstraint("vendor", "model", name=op.f("uq_onu_types_vendor_model")),
    )
    op.create_table(
        "service_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("download_kbps", sa.Integer(), nullable=False),
        sa.Column("upload_kbps", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "download_kbps > 0 AND upload_kbps > 0", name=op.f("ck_service_plans_rates_positive")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_service_plans_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_service_plans_name")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "snmp_oid_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "vendor_family",
            sa.Enum(
                "huawei_smartax",
                "zte_c3xx",
                "zte_c6xx",
                name="vendor_family",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "metric",
            sa.Enum(
                "onu_status",
                "onu_rx_power",
                "onu_tx_power",
                "onu_olt_rx_power",
                "onu_distance",
                "onu_last_down_cause",
                "onu_serial",
                "onu_description",
                "pon_port_status",
                "pon_port_tx_power",
                "olt_cpu",
                "olt_temperature",
                "board_status",
                name="snmp_metric",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "poll_class",
            sa.Enum(
                "status",
                "optical",
                "inventory",
                name="poll_class",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("oid", sa.String(length=200), nullable=False),
        sa.Column("index_format", sa.String(length=32), nullable=False),
        sa.Column("value_type", sa.String(length=16), nullable=False),
        sa.Column("scale", sa.Float(), server_default="1", nullable=False),
        sa.Column("offset", sa.Float(), server_default="0", nullable=False),
        sa.Column("sentinels", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("value_map", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("valid_min", sa.Float(), nullable=True),
        sa.Column("valid_max", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snmp_oid_maps")),
        sa.UniqueConstraint("vendor_family", "metric", name=op.f("uq_snmp_oid_maps_vendor_family_metric")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "noc_engineer",
                "support",
                "billing",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("families", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("slug", name=op.f("uq_vendors_slug")),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("name", name=op.f("uq_zones_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_prefix", sa.String(length=12), nullable=False),
        sa.Column("digest", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column("write_enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_tokens_digest")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "cli_template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["cli_templates.id"],
            name=op.f("fk_cli_template_versions_template_id_cli_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cli_template_versions")),
        sa.UniqueConstraint(
            "template_id", "version", name=op.f("uq_cli_template_versions_template_id_version")
        ),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "issued",
                "paid",
                "void",
                name="invoice_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoices_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    op.create_index(op.f("ix_invoices_customer_id"), "invoices", ["customer_id"], unique=False)
    op.create_table(
        "onu_type_olt_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("onu_type_id", sa.Integer(), nullable=False),
        sa.Column(
            "vendor_family",
            sa.Enum(
                "huawei_smartax",
                "zte_c3xx",
                "zte_c6xx",
                name="vendor_family",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("service_profile", sa.String(length=64), nullable=True),
        sa.Column("olt_onu_type", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["onu_type_id"],
            ["onu_types.id"],
            name=op.f("fk_onu_type_olt_mappings_onu_type_id_onu_types"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onu_type_olt_mappings")),
        sa.UniqueConstraint(
            "onu_type_id", "vendor_family", name=op.f("uq_onu_type_olt_mappings_onu_type_id_vendor_family")
        ),
    )
    op.create_table(
        "service_plan_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "vendor_family",
            sa.Enum(
                "huawei_smartax",
                "zte_c3xx",
                "zte_c6xx",
                name="vendor_family",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("line_profile", sa.String(length=64), nullable=True),
        sa.Column("traffic_profile_up", sa.String(length=64), nullable=True),
        sa.Column("traffic_profile_down", sa.String(length=64), nullable=True),
        sa.Column("tcont_profile", sa.String(length=64), nullable=True),
        sa.Column("service_vlan", sa.Integer(), nullable=True),
        sa.Column("user_vlan", sa.Integer(), nullable=True),
        sa.Column("gemport", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["service_plans.id"],
            name=op.f("fk_service_plan_profiles_plan_id_service_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_plan_profiles")),
        sa.UniqueConstraint(
            "plan_id", "vendor_family", name=op.f("uq_service_plan_profiles_plan_id_vendor_family")
        ),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_sites_zone_id_zones"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("zone_id", "name", name=op.f("uq_sites_zone_id_name")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "active",
                "suspended",
                "cancelled",
                name="subscription_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("pppoe_username", sa.String(length=100), nullable=True),
        sa.Column("pppoe_password", sa.Text(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_subscriptions_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["service_plans.id"],
            name=op.f("fk_subscriptions_plan_id_service_plans"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("pppoe_username", name=op.f("uq_subscriptions_pppoe_username")),
    )
    op.create_index(op.f("ix_subscriptions_customer_id"), "subscriptions", ["customer_id"], unique=False)
    op.create_index(op.f("ix_subscriptions_plan_id"), "subscriptions", ["plan_id"], unique=False)
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), server_default="1", nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_invoice_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_invoice_lines_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"], unique=False)
    op.create_table(
        "olts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column(
            "family",
            sa.Enum(
                "huawei_smartax",
                "zte_c3xx",
                "zte_c6xx",
                name="vendor_family",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("mgmt_host", sa.String(length=255), nullable=False),
        sa.Column(
            "cli_transport",
            sa.Enum(
                "ssh", "telnet", name="cli_transport", native_enum=False, create_constraint=True, length=32
            ),
            server_default="ssh",
            nullable=False,
        ),
        sa.Column("cli_port", sa.Integer(), server_default="22", nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password", sa.Text(), nullable=False),
        sa.Column("enable_password", sa.Text(), nullable=True),
        sa.Column(
            "connection_options", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("status_poll_interval_s", sa.Integer(), server_default="300", nullable=False),
        sa.Column("optical_poll_interval_s", sa.Integer(), server_default="3600", nullable=False),
        sa.Column("sys_descr", sa.Text(), nullable=True),
        sa.Column("sys_name", sa.String(length=255), nullable=True),
        sa.Column("uptime_s", sa.BigInteger(), nullable=True),
        sa.Column("cpu_pct", sa.Float(), nullable=True),
        sa.Column("temperature_c", sa.Float(), nullable=True),
        sa.Column("health_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "last_poll_status",
            sa.Enum(
                "never",
                "ok",
                "partial",
                "error",
                name="poll_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="never",
            nullable=False,
        ),
        sa.Column("last_poll_error", sa.Text(), nullable=True),
        sa.Column("last_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_optical_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("cli_port BETWEEN 1 AND 65535", name=op.f("ck_olts_cli_port_range")),
        sa.CheckConstraint("optical_poll_interval_s >= 300", name=op.f("ck_olts_optical_interval_min")),
        sa.CheckConstraint("status_poll_interval_s >= 60", name=op.f("ck_olts_status_interval_min")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_olts_site_id_sites"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name=op.f("fk_olts_vendor_id_vendors"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_olts_zone_id_zones"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_olts")),
        sa.UniqueConstraint("name", name=op.f("uq_olts_name")),
    )
    op.create_index(op.f("ix_olts_zone_id"), "olts", ["zone_id"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "cash",
                "card",
                "bank_transfer",
                "other",
                name="payment_method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=100), server_default="", nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_payments_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_customer_id"), "payments", ["customer_id"], unique=False)
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"], unique=False)
    op.create_table(
        "olt_boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("olt_id", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("board_type", sa.String(length=64), server_default="", nullable=False),
        sa.Column("status", sa.String(length=64), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_olt_boards_olt_id_olts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_olt_boards")),
        sa.UniqueConstraint("olt_id", "frame", "slot", name=op.f("uq_olt_boards_olt_id_frame_slot")),
    )
    op.create_table(
        "olt_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("olt_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "line",
                "service",
                "dba",
                "traffic",
                "tcont",
                "gemport",
                "onu_type",
                "tr069",
                "vlan",
                name="olt_profile_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_olt_profiles_olt_id_olts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_olt_profiles")),
        sa.UniqueConstraint("olt_id", "kind", "name", name=op.f("uq_olt_profiles_olt_id_kind_name")),
    )
    op.create_table(
        "olt_snmp_settings",
        sa.Column("olt_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "version",
            sa.Enum("v2c", "v3", name="snmp_version", native_enum=False, create_constraint=True, length=32),
            server_default="v2c",
            nullable=False,
        ),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), server_default="161", nullable=False),
        sa.Column("community", sa.Text(), nullable=True),
        sa.Column("v3_username", sa.String(length=100), nullable=True),
        sa.Column(
            "v3_auth_protocol",
            sa.Enum(
                "none",
                "md5",
                "sha",
                "sha224",
                "sha256",
                "sha384",
                "sha512",
                name="snmp_auth_protocol",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="none",
            nullable=False,
        ),
        sa.Column("v3_auth_key", sa.Text(), nullable=True),
        sa.Column(
            "v3_priv_protocol",
            sa.Enum(
                "none",
                "des",
                "3des",
                "aes128",
                "aes192",
                "aes256",
                name="snmp_priv_protocol",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="none",
            nullable=False,
        ),
        sa.Column("v3_priv_key", sa.Text(), nullable=True),
        sa.Column("timeout_s", sa.Float(), server_default="2", nullable=False),
        sa.Column("retries", sa.Integer(), server_default="1", nullable=False),
        sa.Column("max_repetitions", sa.Integer(), server_default="25", nullable=False),
        sa.Column("max_outstanding", sa.Integer(), server_default="4", nullable=False),
        sa.Column("max_requests_per_s", sa.Float(), server_default="50", nullable=False),
        sa.CheckConstraint(
            "max_outstanding >= 1 AND max_requests_per_s > 0", name=op.f("ck_olt_snmp_settings_rate_limits")
        ),
        sa.CheckConstraint(
            "max_repetitions BETWEEN 1 AND 200", name=op.f("ck_olt_snmp_settings_max_repetitions_range")
        ),
        sa.CheckConstraint("port BETWEEN 1 AND 65535", name=op.f("ck_olt_snmp_settings_port_range")),
        sa.CheckConstraint("timeout_s > 0 AND retries >= 0", name=op.f("ck_olt_snmp_settings_timing")),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_olt_snmp_settings_olt_id_olts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("olt_id", name=op.f("pk_olt_snmp_settings")),
    )
    op.create_table(
        "pon_ports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("olt_id", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column(
            "technology",
            sa.Enum(
                "gpon", "xgspon", name="pon_technology", native_enum=False, create_constraint=True, length=32
            ),
            server_default="gpon",
            nullable=False,
        ),
        sa.Column("max_onus", sa.Integer(), server_default="128", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("admin_enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("oper_status", sa.String(length=32), nullable=True),
        sa.Column("tx_power_dbm", sa.Float(), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "frame >= 0 AND slot >= 0 AND port >= 0", name=op.f("ck_pon_ports_position_not_negative")
        ),
        sa.CheckConstraint("max_onus BETWEEN 1 AND 256", name=op.f("ck_pon_ports_max_onus_range")),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_pon_ports_olt_id_olts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pon_ports")),
        sa.UniqueConstraint(
            "olt_id", "frame", "slot", "port", name=op.f("uq_pon_ports_olt_id_frame_slot_port")
        ),
    )
    op.create_table(
        "onus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("olt_id", sa.Integer(), nullable=True),
        sa.Column("pon_port_id", sa.Integer(), nullable=True),
        sa.Column("onu_index", sa.Integer(), nullable=True),
        sa.Column("onu_type_id", sa.Integer(), nullable=True),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("description", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "lifecycle_state",
            sa.Enum(
                "discovered",
                "preprovisioned",
                "authorizing",
                "active",
                "suspended",
                "failed",
                "removing",
                "removed",
                name="onu_lifecycle",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "admin_state",
            sa.Enum(
                "enabled",
                "disabled",
                name="admin_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="enabled",
            nullable=False,
        ),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("desired", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("vendor_id", sa.String(length=16), nullable=True),
        sa.Column("equipment_id", sa.String(length=64), nullable=True),
        sa.Column("software_version", sa.String(length=64), nullable=True),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "online",
                "offline",
                "los",
                "dying_gasp",
                "power_off",
                "unknown",
                name="onu_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="unknown",
            nullable=False,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rx_dbm", sa.Float(), nullable=True),
        sa.Column("tx_dbm", sa.Float(), nullable=True),
        sa.Column("olt_rx_dbm", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("last_down_cause", sa.String(length=100), nullable=True),
        sa.Column("optical_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "lifecycle_state NOT IN ('active', 'suspended') OR (pon_port_id IS NOT NULL AND onu_index IS NOT NULL)",
            name=op.f("ck_onus_provisioned_has_position"),
        ),
        sa.CheckConstraint(
            "onu_index IS NULL OR onu_index >= 0", name=op.f("ck_onus_onu_index_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_onus_olt_id_olts"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["onu_type_id"], ["onu_types.id"], name=op.f("fk_onus_onu_type_id_onu_types"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["pon_port_id"], ["pon_ports.id"], name=op.f("fk_onus_pon_port_id_pon_ports"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_onus_subscription_id_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onus")),
        sa.UniqueConstraint("pon_port_id", "onu_index", name=op.f("uq_onus_pon_port_id_onu_index")),
        sa.UniqueConstraint("serial", name=op.f("uq_onus_serial")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_onus_subscription_id")),
    )
    op.create_index("ix_onus_olt_id_lifecycle_state", "onus", ["olt_id", "lifecycle_state"], unique=False)
    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "authorize",
                "remove",
                "reboot",
                "suspend",
                "resume",
                "rename",
                "replace",
                "move",
                "discover",
                "reconcile",
                "test_connection",
                "poll",
                name="job_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "compensated",
                "needs_reconcile",
                "cancelled",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="queued",
            nullable=False,
        ),
        sa.Column("olt_id", sa.Integer(), nullable=True),
        sa.Column("onu_id", sa.Integer(), nullable=True),
        sa.Column("bulk_run_id", sa.BigInteger(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), server_default="system", nullable=False),
        sa.Column("queue_job_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulk_run_id"], ["bulk_runs.id"], name=op.f("fk_jobs_bulk_run_id_bulk_runs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_jobs_olt_id_olts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["onu_id"], ["onus.id"], name=op.f("fk_jobs_onu_id_onus"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_bulk_run_id"), "jobs", ["bulk_run_id"], unique=False)
    op.create_index("ix_jobs_olt_id_created_at", "jobs", ["olt_id", "created_at"], unique=False)
    op.create_index("ix_jobs_onu_id_created_at", "jobs", ["onu_id", "created_at"], unique=False)
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"], unique=False)
    op.create_table(
        "onu_samples",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("onu_id", sa.Integer(), nullable=False),
        sa.Column("olt_id", sa.Integer(), nullable=False),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "online",
                "offline",
                "los",
                "dying_gasp",
                "power_off",
                "unknown",
                name="onu_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("rx_dbm", sa.Float(), nullable=True),
        sa.Column("tx_dbm", sa.Float(), nullable=True),
        sa.Column("olt_rx_dbm", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["olt_id"], ["olts.id"], name=op.f("fk_onu_samples_olt_id_olts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["onu_id"], ["onus.id"], name=op.f("fk_onu_samples_onu_id_onus"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onu_samples")),
    )
    op.create_index("ix_onu_samples_olt_id_sampled_at", "onu_samples", ["olt_id", "sampled_at"], unique=False)
    op.create_index("ix_onu_samples_onu_id_sampled_at", "onu_samples", ["onu_id", "sampled_at"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("onu_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "pending",
                "resolved",
                "closed",
                name="ticket_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="open",
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum(
                "low",
                "normal",
                "high",
                "urgent",
                name="ticket_priority",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="normal",
            nullable=False,
        ),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["users.id"],
            name=op.f("fk_tickets_assigned_to_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_tickets_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["onu_id"], ["onus.id"], name=op.f("fk_tickets_onu_id_onus"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(op.f("ix_tickets_customer_id"), "tickets", ["customer_id"], unique=False)
    op.create_index(op.f("ix_tickets_onu_id"), "tickets", ["onu_id"], unique=False)
    op.create_table(
        "job_steps",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ok",
                "failed",
                "skipped",
                name="step_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("commands", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("output", sa.Text(), server_default="", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_steps_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_steps")),
        sa.UniqueConstraint("job_id", "seq", name=op.f("uq_job_steps_job_id_seq")),
    )
    op.create_table(
        "ticket_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_ticket_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_comments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_comments")),
    )
    op.create_index(op.f("ix_ticket_comments_ticket_id"), "ticket_comments", ["ticket_id"], unique=False)


def downgrade() -> None:

    op.drop_index(op.f("ix_ticket_comments_ticket_id"), table_name="ticket_comments")
    op.drop_table("ticket_comments")
    op.drop_table("job_steps")
    op.drop_index(op.f("ix_tickets_onu_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_customer_id"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_onu_samples_onu_id_sampled_at", table_name="onu_samples")
    op.drop_index("ix_onu_samples_olt_id_sampled_at", table_name="onu_samples")
    op.drop_table("onu_samples")
    op.drop_index(op.f("ix_jobs_status"), table_name="jobs")
    op.drop_index("ix_jobs_onu_id_created_at", table_name="jobs")
    op.drop_index("ix_jobs_olt_id_created_at", table_name="jobs")
    op.drop_index(op.f("ix_jobs_bulk_run_id"), table_name="jobs")
    op.drop_table("jobs")
    op.drop_index("ix_onus_olt_id_lifecycle_state", table_name="onus")
    op.drop_table("onus")
    op.drop_table("pon_ports")
    op.drop_table("olt_snmp_settings")
    op.drop_table("olt_profiles")
    op.drop_table("olt_boards")
    op.drop_index(op.f("ix_payments_invoice_id"), table_name="payments")
    op.drop_index(op.f("ix_payments_customer_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_olts_zone_id"), table_name="olts")
    op.drop_table("olts")
    op.drop_index(op.f("ix_invoice_lines_invoice_id"), table_name="invoice_lines")
    op.drop_table("invoice_lines")
    op.drop_index(op.f("ix_subscriptions_plan_id"), table_name="subscriptions")
    op.drop_index(op.f("ix_subscriptions_customer_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("sites")
    op.drop_table("service_plan_profiles")
    op.drop_table("onu_type_olt_mappings")
    op.drop_index(op.f("ix_invoices_customer_id"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("cli_template_versions")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("zones")
    op.drop_table("vendors")
    op.drop_table("users")
    op.drop_table("snmp_oid_maps")
    op.drop_table("settings")
    op.drop_table("service_plans")
    op.drop_table("onu_types")
    op.drop_table("customers")
    op.drop_table("cli_templates")
    op.drop_table("bulk_runs")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
