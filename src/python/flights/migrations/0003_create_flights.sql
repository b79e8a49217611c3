-- Scheduled departures. Times are UTC (DATETIME has no zone: the application converts).
-- departure_date is derived from departure_time so the two can never disagree; with
-- flight_no it is the natural key the seed upserts by and the lookup the API layer uses.
CREATE TABLE IF NOT EXISTS flights (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    flight_no VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    origin CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    destination CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    departure_time DATETIME NOT NULL,
    arrival_time DATETIME NOT NULL,
    departure_date DATE GENERATED ALWAYS AS (CAST(departure_time AS DATE)) STORED,
    aircraft_configuration_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_flights_flight_no_departure_date (flight_no, departure_date),
    -- Route search ordered by departure; InnoDB appends the primary key (id) to every
    -- secondary index, which is exactly the keyset pagination order.
    KEY ix_flights_route_departure (origin, destination, departure_time),
    KEY ix_flights_departure (departure_time),
    KEY ix_flights_aircraft_configuration (aircraft_configuration_id),
    CONSTRAINT fk_flights_origin FOREIGN KEY (origin) REFERENCES airports (code),
    CONSTRAINT fk_flights_destination FOREIGN KEY (destination) REFERENCES airports (code),
    CONSTRAINT fk_flights_aircraft_configuration
        FOREIGN KEY (aircraft_configuration_id) REFERENCES aircraft_configurations (id),
    CONSTRAINT ck_flights_arrives_after_departure CHECK (arrival_time > departure_time),
    CONSTRAINT ck_flights_distinct_airports CHECK (origin <> destination)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
