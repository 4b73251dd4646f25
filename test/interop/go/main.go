// tlogcheck: an independent check of proofline's transparency-log output with the Go module database's own
// packages. golang.org/x/mod/sumdb/note verifies the signed checkpoints with proofline's verifier key;
// golang.org/x/mod/sumdb/tlog recomputes the tree from the leaves and checks the inclusion and consistency
// proofs (tlog.CheckRecord, tlog.CheckTree).
//
// Reads one JSON request on stdin, writes one JSON report on stdout; exits 0 when it could judge every case
// (a case that fails is a result, not an error) and 2 when the request itself is unusable.
//
// A leaf is the 32 raw bytes of a seal digest: tlog.RecordHash(data) is SHA-256(0x00 || data), the RFC 6962
// leaf hash proofline uses. tlog.TreeHash calls the empty tree all zeros where RFC 6962 says SHA-256 of
// nothing, so size 0 is checked against the latter here.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type request struct {
	VerifierKey string `json:"verifier_key"`
	Origin      string `json:"origin"`
	// Leaves are hex seal digests, in log order.
	Leaves []string `json:"leaves"`
	// StoredHashes is proofline's MerkleLog.storedHashes() over all the leaves, base64.
	StoredHashes string     `json:"stored_hashes"`
	Cases        []testCase `json:"cases"`
}

type testCase struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // checkpoint | inclusion | consistency

	Note string `json:"note,omitempty"` // checkpoint: the signed note

	Index int64    `json:"index,omitempty"` // inclusion
	Size  int64    `json:"size,omitempty"`
	Root  string   `json:"root,omitempty"`
	Proof []string `json:"proof,omitempty"` // inclusion and consistency, base64 hashes

	First      int64  `json:"first,omitempty"` // consistency
	Second     int64  `json:"second,omitempty"`
	FirstRoot  string `json:"first_root,omitempty"`
	SecondRoot string `json:"second_root,omitempty"`
}

type result struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

type report struct {
	StoredHashesMatch bool     `json:"stored_hashes_match"`
	Results           []result `json:"results"`
}

// hashStore is tlog's hash storage for the tree Go builds itself, in stored-hash order.
type hashStore []tlog.Hash

func (s hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		if index < 0 || index >= int64(len(s)) {
			return nil, fmt.Errorf("no stored hash %d", index)
		}
		out[i] = s[index]
	}
	return out, nil
}

type tree struct {
	leaves []tlog.Hash // record hashes
	store  hashStore
}

func buildLog(hexLeaves []string) (*tree, error) {
	l := &tree{}
	for i, h := range hexLeaves {
		data, err := hex.DecodeString(h)
		if err != nil || len(data) != sha256.Size {
			return nil, fmt.Errorf("leaf %d is not a hex sha256 digest", i)
		}
		hashes, err := tlog.StoredHashes(int64(i), data, l.store)
		if err != nil {
			return nil, err
		}
		l.store = append(l.store, hashes...)
		l.leaves = append(l.leaves, tlog.RecordHash(data))
	}
	return l, nil
}

func (l *tree) root(size int64) (tlog.Hash, error) {
	if size < 0 || size > int64(len(l.leaves)) {
		return tlog.Hash{}, fmt.Errorf("tree size %d: the log has %d leaves", size, len(l.leaves))
	}
	if size == 0 {
		return sha256.Sum256(nil), nil
	}
	return tlog.TreeHash(size, l.store)
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fatal("request: %v", err)
	}
	verifier, err := note.NewVerifier(req.VerifierKey)
	if err != nil {
		fatal("verifier key: %v", err)
	}
	l, err := buildLog(req.Leaves)
	if err != nil {
		fatal("leaves: %v", err)
	}
	var mine bytes.Buffer
	for _, h := range l.store {
		mine.Write(h[:])
	}
	theirs, err := base64.StdEncoding.DecodeString(req.StoredHashes)
	if err != nil {
		fatal("stored_hashes: %v", err)
	}

	out := report{StoredHashesMatch: bytes.Equal(mine.Bytes(), theirs)}
	for _, c := range req.Cases {
		var err error
		switch c.Kind {
		case "checkpoint":
			err = checkCheckpoint(c, verifier, req.Origin, l)
		case "inclusion":
			err = checkInclusion(c, l)
		case "consistency":
			err = checkConsistency(c, l)
		default:
			err = fmt.Errorf("unknown case kind %q", c.Kind)
		}
		r := result{Name: c.Name, OK: err == nil}
		if err != nil {
			r.Error = err.Error()
		}
		out.Results = append(out.Results, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fatal("report: %v", err)
	}
}

// checkCheckpoint opens the note with the one trusted key, reads the C2SP checkpoint body and compares its
// root with the tree Go computes over the first `size` leaves.
func checkCheckpoint(c testCase, verifier note.Verifier, origin string, l *tree) error {
	n, err := note.Open([]byte(c.Note), note.VerifierList(verifier))
	if err != nil {
		return fmt.Errorf("note: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return errors.New("checkpoint body has fewer than 3 lines")
	}
	if lines[0] != origin {
		return fmt.Errorf("origin %q, want %q", lines[0], origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || strconv.FormatInt(size, 10) != lines[1] {
		return fmt.Errorf("tree size %q", lines[1])
	}
	claimed, err := tlog.ParseHash(lines[2])
	if err != nil {
		return fmt.Errorf("root hash: %w", err)
	}
	actual, err := l.root(size)
	if err != nil {
		return err
	}
	if claimed != actual {
		return fmt.Errorf("root %s is not the tree hash of the first %d leaves (%s)", claimed, size, actual)
	}
	return nil
}

func checkInclusion(c testCase, l *tree) error {
	if c.Index < 0 || c.Index >= int64(len(l.leaves)) {
		return fmt.Errorf("leaf %d: the log has %d leaves", c.Index, len(l.leaves))
	}
	root, err := claimedRoot(c.Root, c.Size, l)
	if err != nil {
		return err
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(tlog.RecordProof(proof), c.Size, root, c.Index, l.leaves[c.Index])
}

func checkConsistency(c testCase, l *tree) error {
	first, err := claimedRoot(c.FirstRoot, c.First, l)
	if err != nil {
		return fmt.Errorf("first: %w", err)
	}
	second, err := claimedRoot(c.SecondRoot, c.Second, l)
	if err != nil {
		return fmt.Errorf("second: %w", err)
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return err
	}
	return tlog.CheckTree(tlog.TreeProof(proof), c.Second, second, c.First, first)
}

// claimedRoot is proofline's root for a size, which must be Go's own tree hash for it.
func claimedRoot(b64 string, size int64, l *tree) (tlog.Hash, error) {
	claimed, err := tlog.ParseHash(b64)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("root: %w", err)
	}
	actual, err := l.root(size)
	if err != nil {
		return tlog.Hash{}, err
	}
	if claimed != actual {
		return tlog.Hash{}, fmt.Errorf("root %s is not the tree hash of %d leaves (%s)", claimed, size, actual)
	}
	return claimed, nil
}

func hashes(b64s []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(b64s))
	for i, s := range b64s {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(2)
}
