-- Each issuer's publication URLs (ca issuer urls): JSON of ca.IssuerURLs.
CREATE TABLE issuer_urls (
    issuer text PRIMARY KEY REFERENCES issuers (name),
    urls   jsonb NOT NULL
);
