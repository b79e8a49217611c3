from testsupport.fixtures import mysql_server, mysql_url, redis_server, redis_url  # noqa: F401
