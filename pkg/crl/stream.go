package crl

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Source yields a CRL's entries in strictly ascending serial order: it
// calls visit for each and stops at the first error visit returns. Stream
// calls it three times (lengths, hash, output) and needs the same entries
// each time, as a store gives them from one read transaction.
type Source func(visit func(Entry) error) error

// SliceSource is a Source over entries already sorted by serial.
func SliceSource(entries []Entry) Source {
	return func(visit func(Entry) error) error {
		for _, e := range entries {
			if err := visit(e); err != nil {
				return err
			}
		}
		return nil
	}
}

// ErrSourceChanged is returned when a Source yields other entries in a
// later pass than in the first.
var ErrSourceChanged = errors.New("crl: the entries changed between passes")

// Stream writes to w the DER of a v2 CRL for issuer, signed by signer, with
// the number, times and extensions of t (t.Entries is ignored) and the
// entries of src, which must come in strictly ascending serial order. It
// holds no entry beyond the one being encoded: it reads src three times
// (the length of the list, the hash of what is signed, the output), encoding
// each entry with cryptobyte. Ed25519 signs the whole message, not a hash,
// so for an Ed25519 issuer the signed part is held in memory once. It
// returns the number of bytes written.
func Stream(w io.Writer, issuer *x509.Certificate, signer crypto.Signer, t Template, src Source) (int64, error) {
	if err := check(issuer, t); err != nil {
		return 0, err
	}
	alg, err := signingAlgorithm(signer.Public())
	if err != nil {
		return 0, err
	}
	head, tail, err := tbsParts(issuer, alg, t)
	if err != nil {
		return 0, err
	}
	listLen, count, err := measure(src)
	if err != nil {
		return 0, err
	}
	tbsHead := head
	if count > 0 {
		tbsHead = append(append(tbsHead, 0x30), derLength(listLen)...)
	}
	tbsLen := len(tbsHead) + listLen + len(tail)
	tbsHeader := append([]byte{0x30}, derLength(tbsLen)...)
	sig, err := sign(signer, alg, func(h io.Writer) error {
		return writeTBS(h, tbsHeader, tbsHead, tail, src, listLen)
	})
	if err != nil {
		return 0, err
	}
	sigPart, err := signaturePart(alg, sig)
	if err != nil {
		return 0, fmt.Errorf("crl: encode signature: %w", err)
	}
	outer := append([]byte{0x30}, derLength(len(tbsHeader)+tbsLen+len(sigPart))...)
	cw := &countWriter{w: bufio.NewWriterSize(w, 64<<10)}
	if _, err := cw.Write(outer); err != nil {
		return cw.n, err
	}
	if err := writeTBS(cw, tbsHeader, tbsHead, tail, src, listLen); err != nil {
		return cw.n, err
	}
	if _, err := cw.Write(sigPart); err != nil {
		return cw.n, err
	}
	return cw.n, cw.w.(*bufio.Writer).Flush()
}

// check refuses what cannot make a valid CRL.
func check(issuer *x509.Certificate, t Template) error {
	switch {
	case issuer.KeyUsage&x509.KeyUsageCRLSign == 0:
		return fmt.Errorf("%w: issuer %s has no cRLSign key usage, so it cannot sign CRLs", ErrInvalid, issuer.Subject)
	case len(issuer.SubjectKeyId) == 0:
		return fmt.Errorf("%w: issuer %s has no subject key id for the CRL's authority key id", ErrInvalid, issuer.Subject)
	case t.Number == nil || t.Number.Sign() <= 0:
		return fmt.Errorf("%w: CRL number must be positive", ErrInvalid)
	case t.Number.BitLen() > 159:
		return fmt.Errorf("%w: CRL number must fit in 20 octets (RFC 5280, 5.2.3)", ErrInvalid)
	case !t.NextUpdate.After(t.ThisUpdate):
		return fmt.Errorf("%w: nextUpdate %s is not after thisUpdate %s", ErrInvalid,
			t.NextUpdate.UTC().Format(time.RFC3339), t.ThisUpdate.UTC().Format(time.RFC3339))
	}
	return nil
}

// sigAlg is a signature algorithm: its identifier and the hash it signs.
type sigAlg struct {
	oid    asn1.ObjectIdentifier
	hash   crypto.Hash // 0 for Ed25519, which signs the message
	params bool        // the AlgorithmIdentifier carries NULL parameters (RSA)
}

var (
	oidECDSASHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidRSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidAKI         = asn1.ObjectIdentifier{2, 5, 29, 35}
)

// signingAlgorithm picks what crypto/x509 picks for the key: SHA-256
// for P-256 and RSA, SHA-384 for P-384, Ed25519 for Ed25519.
func signingAlgorithm(pub crypto.PublicKey) (sigAlg, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return sigAlg{oid: oidECDSASHA256, hash: crypto.SHA256}, nil
		case elliptic.P384():
			return sigAlg{oid: oidECDSASHA384, hash: crypto.SHA384}, nil
		}
	case *rsa.PublicKey:
		return sigAlg{oid: oidRSASHA256, hash: crypto.SHA256, params: true}, nil
	case ed25519.PublicKey:
		return sigAlg{oid: oidEd25519}, nil
	}
	return sigAlg{}, fmt.Errorf("%w: the issuer's key (%T) cannot sign CRLs here", ErrInvalid, pub)
}

func (a sigAlg) marshal(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.oid)
		if a.params {
			b.AddASN1NULL()
		}
	})
}

// tbsParts encodes what comes before the list of entries in the signed part
// (version, algorithm, issuer, times) and what comes after it (extensions).
func tbsParts(issuer *x509.Certificate, alg sigAlg, t Template) (head, tail []byte, err error) {
	h := cryptobyte.NewBuilder(nil)
	h.AddASN1Int64(1) // v2
	alg.marshal(h)
	h.AddBytes(issuer.RawSubject)
	addTime(h, t.ThisUpdate)
	addTime(h, t.NextUpdate)
	if head, err = h.Bytes(); err != nil {
		return nil, nil, fmt.Errorf("crl: encode: %w", err)
	}
	e := cryptobyte.NewBuilder(nil)
	e.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addExtension(b, oidAKI, false, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(issuer.SubjectKeyId) })
				})
			})
			addExtension(b, oidCRLNumber, false, func(b *cryptobyte.Builder) { b.AddASN1BigInt(t.Number) })
			for _, x := range t.Extensions {
				addExtension(b, x.Id, x.Critical, func(b *cryptobyte.Builder) { b.AddBytes(x.Value) })
			}
		})
	})
	if tail, err = e.Bytes(); err != nil {
		return nil, nil, fmt.Errorf("crl: encode extensions: %w", err)
	}
	return head, tail, nil
}

// addExtension adds an Extension whose extnValue is what value adds.
func addExtension(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, critical bool, value func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1(cbasn1.OCTET_STRING, value)
	})
}

// addTime adds t as appendTime encodes it.
func addTime(b *cryptobyte.Builder, t time.Time) {
	b.AddBytes(appendTime(nil, t))
}

// encodeEntry appends the DER of one revokedCertificates entry to dst,
// by hand rather than through a builder: it runs three times per entry on
// CRLs of a million. Every part is shorter than 128 bytes, so every length
// is one byte.
func encodeEntry(dst []byte, e Entry) ([]byte, error) {
	if e.Serial == nil || e.Serial.Sign() <= 0 {
		return nil, fmt.Errorf("%w: entry serial must be positive", ErrInvalid)
	}
	n := (e.Serial.BitLen() + 7) / 8
	if n > 20 {
		return nil, fmt.Errorf("%w: entry serial %x is longer than 20 octets (RFC 5280, 4.1.2.2)", ErrInvalid, e.Serial)
	}
	var serial [21]byte
	e.Serial.FillBytes(serial[1 : 1+n])
	sb := serial[1 : 1+n]
	if sb[0]&0x80 != 0 {
		sb = serial[:1+n] // a leading zero keeps the INTEGER positive
	}
	ext := extensions(e)
	content := 2 + len(sb) + timeLen(e.RevokedAt) + len(ext)
	dst = append(dst, 0x30, byte(content), 0x02, byte(len(sb)))
	dst = append(dst, sb...)
	dst = appendTime(dst, e.RevokedAt)
	return append(dst, ext...), nil
}

// reasonExtensions are the encoded entry extensions holding only a reason
// code, by code (5.3.1); none for unspecified.
var reasonExtensions = func() [11][]byte {
	var out [11][]byte
	for r := 1; r <= 10; r++ {
		ext := []byte{0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, byte(r)}
		out[r] = append([]byte{0x30, byte(len(ext))}, ext...)
	}
	return out
}()

// extensions encodes an entry's crlEntryExtensions: a reason code (none
// for unspecified) and an invalidity date (5.3.2), or nothing.
func extensions(e Entry) []byte {
	if e.InvalidityDate.IsZero() && e.Reason > 0 && e.Reason <= 10 {
		return reasonExtensions[e.Reason]
	}
	if e.InvalidityDate.IsZero() && e.Reason == 0 {
		return nil
	}
	var list []byte
	if e.Reason != 0 {
		list = append(list, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, byte(e.Reason))
	}
	if !e.InvalidityDate.IsZero() {
		list = append(list, 0x30, 0x18, 0x06, 0x03, 0x55, 0x1d, 0x18, 0x04, 0x11)
		list = appendGeneralizedTime(list, e.InvalidityDate)
	}
	return append([]byte{0x30, byte(len(list))}, list...)
}

// timeLen is the length of appendTime's encoding of t.
func timeLen(t time.Time) int {
	if y := t.UTC().Year(); y >= 1950 && y < 2050 {
		return 15
	}
	return 17
}

// appendTime appends t as RFC 5280 wants: UTCTime through 2049, then
// GeneralizedTime (5.1.2.4), in seconds, UTC.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y >= 1950 && y < 2050 {
		dst = append(dst, 0x17, 13)
		dst = appendDigits(dst, y%100, 2)
		return appendClock(dst, t)
	}
	return appendGeneralizedTime(dst, t)
}

func appendGeneralizedTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	dst = append(dst, 0x18, 15)
	dst = appendDigits(dst, t.Year(), 4)
	return appendClock(dst, t)
}

// appendClock appends MMDDHHMMSSZ.
func appendClock(dst []byte, t time.Time) []byte {
	for _, v := range []int{int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second()} {
		dst = appendDigits(dst, v, 2)
	}
	return append(dst, 'Z')
}

func appendDigits(dst []byte, v, width int) []byte {
	var buf [4]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:width]...)
}

// measure is the first pass: the length of the entries' encodings, their
// count, and that they come in strictly ascending serial order.
func measure(src Source) (length, count int, err error) {
	var buf []byte
	last := new(big.Int)
	err = src(func(e Entry) error {
		if count > 0 && e.Serial != nil && e.Serial.Cmp(last) <= 0 {
			return fmt.Errorf("%w: entries must come in strictly ascending serial order (%x after %x)", ErrInvalid, e.Serial, last)
		}
		var err error
		if buf, err = encodeEntry(buf[:0], e); err != nil {
			return err
		}
		last.Set(e.Serial)
		length += len(buf)
		count++
		return nil
	})
	return length, count, err
}

// writeTBS writes the signed part: its header, the head, the list of
// entries (encoded again from src; listLen must come out the same) and the tail.
func writeTBS(w io.Writer, header, head, tail []byte, src Source, listLen int) error {
	if _, err := w.Write(header); err != nil {
		return err
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	var buf []byte
	n := 0
	err := src(func(e Entry) error {
		var err error
		if buf, err = encodeEntry(buf[:0], e); err != nil {
			return err
		}
		if n += len(buf); n > listLen {
			return ErrSourceChanged
		}
		_, err = w.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	if n != listLen {
		return ErrSourceChanged
	}
	_, err = w.Write(tail)
	return err
}

// sign signs what write writes: its hash, or for Ed25519 the message.
func sign(signer crypto.Signer, alg sigAlg, write func(io.Writer) error) ([]byte, error) {
	var h hash.Hash
	var msg bytes.Buffer
	var w io.Writer = &msg
	if alg.hash != 0 {
		h = alg.hash.New()
		w = h
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := write(bw); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	var sig []byte
	var err error
	if h != nil {
		sig, err = signer.Sign(rand.Reader, h.Sum(nil), alg.hash)
	} else {
		sig, err = signer.Sign(rand.Reader, msg.Bytes(), crypto.Hash(0))
	}
	if err != nil {
		return nil, fmt.Errorf("crl: sign: %w", err)
	}
	return sig, nil
}

// signaturePart encodes the signatureAlgorithm and signatureValue that
// follow the signed part.
func signaturePart(alg sigAlg, sig []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	alg.marshal(b)
	b.AddASN1BitString(sig)
	return b.Bytes()
}

// derLength encodes a DER length.
func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var out []byte
	for v := n; v > 0; v >>= 8 {
		out = append([]byte{byte(v)}, out...)
	}
	return append([]byte{0x80 | byte(len(out))}, out...)
}

// countWriter counts what it writes.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

var oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}

// DeltaIndicator is the critical delta CRL indicator extension of a delta
// CRL on the complete CRL numbered base (RFC 5280, 5.2.4).
func DeltaIndicator(base *big.Int) pkix.Extension {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1BigInt(base)
	return pkix.Extension{Id: oidDeltaCRLIndicator, Critical: true, Value: b.BytesOrPanic()}
}
