-- ca store schema, version 1. One row per record; serials are the 20-byte
-- big-endian form of ca.SerialKey, so that byte order is numeric order.
CREATE TABLE issuers (
    name   text PRIMARY KEY,
    parent text NOT NULL DEFAULT '',
    serial bytea NOT NULL,
    der    bytea NOT NULL
);
-- One root per store: of two "ca init" racing on one schema, one records
-- its root, the other fails.
CREATE UNIQUE INDEX issuers_one_root ON issuers ((parent = '')) WHERE parent = '';

CREATE TABLE certs (
    serial     bytea PRIMARY KEY,
    issuer     text NOT NULL,
    subject    text NOT NULL,
    sans       text NOT NULL,          -- JSON array of strings
    not_before timestamptz NOT NULL,
    not_after  timestamptz NOT NULL,
    profile    text NOT NULL,
    der        bytea NOT NULL,
    renewal_of bytea,
    renewed_by bytea UNIQUE,
    key_held   boolean NOT NULL DEFAULT false
);
CREATE INDEX certs_by_issuer ON certs (issuer, serial);
CREATE INDEX certs_by_expiry ON certs (not_after, serial);

CREATE TABLE revocations (
    serial          bytea PRIMARY KEY REFERENCES certs (serial),
    issuer          text NOT NULL,
    not_after       timestamptz NOT NULL,
    revoked_at      timestamptz NOT NULL,
    reason          integer NOT NULL,
    invalidity_date timestamptz
);
CREATE INDEX revocations_by_issuer ON revocations (issuer, serial);

CREATE TABLE crls (
    issuer      text NOT NULL,
    number      bigint NOT NULL CHECK (number > 0),
    this_update timestamptz NOT NULL,
    next_update timestamptz NOT NULL,
    entries     integer NOT NULL,
    der         bytea NOT NULL,
    delta_of    bigint CHECK (delta_of > 0 AND delta_of < number), -- the base CRL of a delta CRL
    PRIMARY KEY (issuer, number)
);

-- The audit log: one hash chain. Each record is kept as the exact JSON that
-- was hashed; audit_head is the one row every writer locks first, so that
-- writers append to the chain one after the other.
CREATE TABLE audit (
    seq    bigint PRIMARY KEY CHECK (seq > 0),
    hash   text NOT NULL UNIQUE,
    record bytea NOT NULL
);
CREATE TABLE audit_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '');
