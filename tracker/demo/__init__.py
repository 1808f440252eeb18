"""The demo organisation: a retailer whose service culture is on fire."""
