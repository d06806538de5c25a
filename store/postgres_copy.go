package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/ca-toolkit/ca/pkg/ca"
	"github.com/ca-toolkit/ca/pkg/place"
)

// Dump implements Copier, from one repeatable-read snapshot.
func (p *Postgres) Dump(ctx context.Context, fn func(Record) error) error {
	return p.pgSnapshot(ctx, func(tx pgx.Tx) error {
		each := func(query string, row func(pgx.Rows) error) error {
			rows, err := tx.Query(ctx, query)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := row(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		}
		urls := map[string]ca.IssuerURLs{}
		err := each("SELECT issuer, urls FROM issuer_urls", func(r pgx.Rows) error {
			var name string
			var v []byte
			if err := r.Scan(&name, &v); err != nil {
				return err
			}
			u, err := decodeURLs(name, v)
			urls[name] = u
			return err
		})
		policies := map[string][]byte{}
		if err == nil {
			err = each("SELECT issuer, policy FROM issuer_policies", func(r pgx.Rows) error {
				var name string
				var v []byte
				err := r.Scan(&name, &v)
				policies[name] = v
				return err
			})
		}
		if err == nil {
			err = each("SELECT "+issuerCols+" FROM issuers ORDER BY parent <> '', name", func(r pgx.Rows) error {
				rec, err := scanIssuer(r)
				if err == nil {
					rec.URLs, rec.Policy = urls[rec.Name], policies[rec.Name]
					err = fn(Record{Issuer: rec})
				}
				return err
			})
		}
		if err == nil {
			err = each("SELECT "+certCols+certFrom+" ORDER BY c.serial", func(r pgx.Rows) error {
				rec, err := scanCert(r)
				if err == nil {
					err = fn(Record{Cert: rec})
				}
				return err
			})
		}
		if err == nil {
			err = each("SELECT "+crlCols+" FROM crls ORDER BY issuer, number", func(r pgx.Rows) error {
				rec, err := scanCRL(r)
				if err == nil {
					err = fn(Record{CRL: rec})
				}
				return err
			})
		}
		if err == nil {
			err = each("SELECT record FROM audit ORDER BY seq", func(r pgx.Rows) error {
				var v []byte
				if err := r.Scan(&v); err != nil {
					return err
				}
				return fn(Record{Audit: v})
			})
		}
		return err
	})
}

// Load implements Copier: one transaction holding the audit head, so that
// no writer appends while the copy goes in.
func (p *Postgres) Load(ctx context.Context, fill func(put func(Record) error) error) error {
	return p.write(ctx, func(w *pgWriter) error {
		c, err := p.countIn(ctx, w.tx)
		if err != nil {
			return err
		}
		if c != (Counts{}) {
			return fmt.Errorf("%w: %s holds records (%d certificates, %d audit records)", ErrNotEmpty, p.where, c.Certificates, c.AuditRecords)
		}
		if err := fill(w.load); err != nil {
			return err
		}
		_, err = w.tx.Exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2", w.seq, w.hash)
		return err
	})
}

// load inserts one copied record.
func (w *pgWriter) load(r Record) error {
	ctx := w.ctx
	switch {
	case r.Issuer != nil:
		serial, err := serialKey(r.Issuer.Serial)
		if err != nil {
			return err
		}
		_, err = w.tx.Exec(ctx, "INSERT INTO issuers (name, parent, serial, der) VALUES ($1, $2, $3, $4)", r.Issuer.Name, r.Issuer.Parent, serial, r.Issuer.DER)
		if err == nil && r.Issuer.Policy != nil {
			err = w.putPolicy(r.Issuer.Name, r.Issuer.Policy)
		}
		if err != nil || r.Issuer.URLs.IsZero() {
			return err
		}
		return w.putURLs(r.Issuer.Name, r.Issuer.URLs)
	case r.Cert != nil:
		return w.loadCert(r.Cert)
	case r.CRL != nil:
		_, err := w.insertCRL(r.CRL, false)
		return err
	}
	var rec ca.AuditRecord
	if err := json.Unmarshal(r.Audit, &rec); err != nil {
		return fmt.Errorf("%w: audit record %d: %v", ErrCorrupt, w.seq+1, err)
	}
	if rec.Seq != w.seq+1 || rec.Prev != w.hash {
		return fmt.Errorf("%w: audit record %d does not follow record %d", ErrCorrupt, rec.Seq, w.seq)
	}
	if _, err := w.tx.Exec(ctx, "INSERT INTO audit (seq, hash, record) VALUES ($1, $2, $3)", rec.Seq, rec.Hash, r.Audit); err != nil {
		return err
	}
	w.seq, w.hash = rec.Seq, rec.Hash
	return nil
}

func (w *pgWriter) loadCert(c *ca.CertRecord) error {
	if err := w.insertCert(c); err != nil {
		return err
	}
	if c.RenewedBy != nil {
		key, _ := serialKey(c.Serial)
		by, err := serialKey(c.RenewedBy)
		if err != nil {
			return err
		}
		if _, err := w.tx.Exec(w.ctx, "UPDATE certs SET renewed_by = $1 WHERE serial = $2", by, key); err != nil {
			return err
		}
	}
	if c.Revocation == nil {
		return nil
	}
	key, _ := serialKey(c.Serial)
	return w.insertRevocation(key, c.Revocation)
}

func (p *Postgres) countIn(ctx context.Context, tx pgx.Tx) (Counts, error) {
	var c Counts
	err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM certs), (SELECT count(*) FROM revocations),
		(SELECT count(*) FROM crls), (SELECT count(*) FROM audit), (SELECT count(*) FROM issuers)`).
		Scan(&c.Certificates, &c.Revocations, &c.CRLs, &c.AuditRecords, &c.Issuers)
	return c, err
}

// Backup writes a bbolt file holding one consistent snapshot of the store
// to w: it is made in a temp directory, then streamed.
func (p *Postgres) Backup(w io.Writer) (int64, error) {
	dir, err := os.MkdirTemp("", "ca-backup-")
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ca.db")
	b, err := Open(path, Options{Create: true})
	if err != nil {
		return 0, err
	}
	_, err = Copy(context.Background(), p, b)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer f.Close()
	return io.Copy(w, f)
}

// BackupFile is Bolt's BackupFile for this store: a bbolt file at path.
func (p *Postgres) BackupFile(path string) (int64, error) {
	var n int64
	err := place.WriteStream(place.File{Path: path, Mode: 0o600, NoReplace: true}, func(w io.Writer) error {
		var err error
		n, err = p.Backup(w)
		return err
	})
	if err != nil {
		return 0, backupErr(path, err)
	}
	return n, nil
}
