-- Each issuer's recorded policy (ca policy set): the canonical JSON bytes
-- of its policy.json, kept as written (bytea, not jsonb, so that the
-- bytes compare equal on every machine).
CREATE TABLE issuer_policies (
    issuer text PRIMARY KEY REFERENCES issuers (name),
    policy bytea NOT NULL
);
