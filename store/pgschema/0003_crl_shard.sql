-- The shard of a sharded issuer's CRL (ca crl export --all-shards); NULL
-- for a CRL of all the issuer's revocations.
ALTER TABLE crls ADD COLUMN shard integer CHECK (shard >= 0);
