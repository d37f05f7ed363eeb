"""The connection pool's size, shared by the transport and the operators' defaults without importing the
hooks (operators are imported at DAG parse time)."""

POOL_SIZE = 20
"""Sockets per connection's client: bounds open sockets, and requests in flight, whatever the callers."""
