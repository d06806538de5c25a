package ca

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// Actor says who changes the store and with which command; every store
// implementation writes it into the audit record of each change.
type Actor struct {
	Command string   // e.g. "ca revoke"
	Args    []string // the arguments, without secrets
	User    string
}

// AuditRecord is one entry of the hash-chained audit log: one change to the
// store, written in the same transaction as the change.
type AuditRecord struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Command string    `json:"command"`
	Args    []string  `json:"args"`
	User    string    `json:"user"`
	Action  string    `json:"action"` // add-issuer, renew-issuer, issue, revoke, crl
	Issuer  string    `json:"issuer,omitempty"`
	Serials []string  `json:"serials"`
	Result  string    `json:"result"`
	Prev    string    `json:"prev"` // hash of the previous record, "" for the first
	Hash    string    `json:"hash"` // SHA-256 of this record with Hash empty
}

// ComputeHash returns the hash of r with its Hash field empty: hex SHA-256 of
// its JSON encoding.
func (r AuditRecord) ComputeHash() string {
	r.Hash = ""
	if r.Args == nil {
		r.Args = []string{}
	}
	if r.Serials == nil {
		r.Serials = []string{}
	}
	b, _ := json.Marshal(r) // a struct of strings and numbers always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditActions are the actions of audit records.
var AuditActions = []string{"add-issuer", "renew-issuer", "issue", "revoke", "crl"}

// AuditFilter selects audit records; zero fields select everything.
type AuditFilter struct {
	Since  time.Time // records from this time on
	Action string    // records of this action (AuditActions)
	Serial string    // records that touched this serial, in FormatSerial form
}

// Match reports whether f selects r.
func (f AuditFilter) Match(r *AuditRecord) bool {
	return (f.Since.IsZero() || !r.Time.Before(f.Since)) &&
		(f.Action == "" || r.Action == f.Action) &&
		(f.Serial == "" || slices.Contains(r.Serials, f.Serial))
}

// AuditVerification is what a verification of the audit chain found ("ca
// audit verify"): OK when the chain holds (and the anchor, when one was
// given, is in it).
type AuditVerification struct {
	OK       bool     `json:"ok"`
	Records  int      `json:"records"`
	Head     string   `json:"head"`
	Anchor   string   `json:"anchor,omitempty"`
	Problems []string `json:"problems"`
}

// AuditHead is the head of the audit chain ("ca audit head").
type AuditHead struct {
	Records int    `json:"records"`
	Head    string `json:"head"`
}
