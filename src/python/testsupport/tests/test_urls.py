import pytest

from testsupport.urls import MysqlUrl, RedisUrl


def test_mysql_url_round_trip_with_special_characters() -> None:
    url = MysqlUrl.parse("mysql://app%40x:p%2Fw%3Ad@db.local:3307/seats")
    assert url == MysqlUrl("db.local", 3307, "app@x", "p/w:d", "seats")
    assert MysqlUrl.parse(str(url)) == url


def test_mysql_url_defaults_and_driver_suffix() -> None:
    url = MysqlUrl.parse("mysql+mysqlconnector://root:pw@127.0.0.1")
    assert (url.port, url.database) == (3306, None)
    assert url.connect_kwargs() == {
        "host": "127.0.0.1",
        "port": 3306,
        "user": "root",
        "password": "pw",
    }
    assert url.with_database("t_1").connect_kwargs()["database"] == "t_1"


def test_redis_url() -> None:
    assert RedisUrl.parse("redis://127.0.0.1:6380/2") == RedisUrl("127.0.0.1", 6380, 2)
    assert RedisUrl.parse("redis://:s%40cret@h") == RedisUrl("h", 6379, 0, "s@cret")
    assert str(RedisUrl("h", 1, 3, "s@cret")) == "redis://:s%40cret@h:1/3"


@pytest.mark.parametrize(
    ("parse", "url"),
    [
        (MysqlUrl.parse, "redis://h/0"),
        (MysqlUrl.parse, "mysql:///db"),
        (RedisUrl.parse, "mysql://u:p@h/db"),
    ],
)
def test_wrong_urls_are_rejected(parse: object, url: str) -> None:
    with pytest.raises(ValueError, match="URL|host"):
        parse(url)  # type: ignore[operator]
