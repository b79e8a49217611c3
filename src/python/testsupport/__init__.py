"""Shared test support: MySQL/Redis fixtures for service tests.

Load the fixtures in a service's tests/conftest.py:

    from testsupport.fixtures import mysql_server, mysql_url, redis_server, redis_url  # noqa: F401
"""
