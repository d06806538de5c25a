-- ca list streams in notBefore order (its default) from this index.
CREATE INDEX certs_by_issued ON certs (not_before, serial);
