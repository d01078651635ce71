"""CRM: customers, service plans, subscriptions, billing and tickets."""
