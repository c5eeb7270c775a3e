"""Delivery at most once, none lost: claims in the store, delivery keys in Slack, owners."""
