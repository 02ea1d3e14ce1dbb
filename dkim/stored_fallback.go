//go:build !dkimpw

package dkim

import (
	"crypto"

	"github.com/mailprov/mailprov/headers"
)

// Temporary: until patchwork.go (BodyCandidates, FieldVariants) lands,
// Patchwork messages are treated as stored headers without a body.

type pwState struct{}

func (st *run) matchCandidate(canon string, h crypto.Hash, limit int64, want []byte) (string, int64, int, bool) {
	return "", 0, 0, false
}

func (st *run) tryVariants(h crypto.Hash, canon string, signed []headers.Field, sigField headers.Field, key *Key, sig []byte) (respelled, altered []string) {
	return nil, nil
}
