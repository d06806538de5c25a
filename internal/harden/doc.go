// Package harden keeps a ca process, which may hold a decrypted key or a
// passphrase, from being dumped or traced (Process), and says what it set
// (State). It owns only that; where a system has no such settings, both do
// nothing.
package harden
