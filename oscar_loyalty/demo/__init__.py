"""Demo data for the sandbox shop: the UCI "Online Retail" purchase history loaded into Oscar.

Real purchase history (a year of a UK gift retailer's invoices) makes points, tiers, retention
reports and recommendations look and behave like they would in a live shop, which synthetic
factories cannot. ``online_retail`` reads and cleans the file (no database), ``loader`` writes
Oscar objects; the ``loyalty_load_demo_data`` management command ties them together.
"""
