-- One seat map per aircraft configuration, as a JSON document (cabins -> rows -> seats).
-- content_hash (SHA-256 of the canonical document) and version change together whenever the
-- seat map does. JSON is native in MySQL 8 and a checked LONGTEXT alias in MariaDB.
CREATE TABLE IF NOT EXISTS aircraft_configurations (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    code VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    aircraft_type VARCHAR(40) NOT NULL,
    seat_map JSON NOT NULL,
    content_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    version INT UNSIGNED NOT NULL DEFAULT 1,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_aircraft_configurations_code (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
