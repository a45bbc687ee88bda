package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// indexEntry is the value of a duplicate index key: which file was sent and
// when it entered the sent states.
type indexEntry struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// Index kinds, the first part of a dedupe key.
const (
	kindSHA   = "s"
	kindMsgID = "m"
	kindTx    = "t"
)

// notProvided is the EndToEndId ISO 20022 prescribes when the debtor gave
// none: it names no transaction, so it is never a fingerprint.
const notProvided = "NOTPROVIDED"

// TxFingerprint is the duplicate-index value of one forwarded transaction:
// a digest of its debtor account, EndToEndId, amount and currency, or ""
// when the payment lacks a debtor or a real EndToEndId. A digest keeps the
// index key short and free of NUL bytes whatever the ERP wrote.
func TxFingerprint(p Payment) string {
	if p.Debtor == "" || p.ExternalID == "" || p.ExternalID == notProvided {
		return ""
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s", p.Debtor, p.ExternalID, p.Amount, p.Currency))
	return hex.EncodeToString(sum[:16])
}

// txFingerprints returns the distinct fingerprints of f's payments.
func txFingerprints(f *File) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range f.Payments {
		if fp := TxFingerprint(p); fp != "" && !seen[fp] {
			seen[fp] = true
			out = append(out, fp)
		}
	}
	return out
}

func dedupeKey(kind, route, value, id string) []byte {
	return []byte(kind + "\x00" + route + "\x00" + value + "\x00" + id)
}

func dedupePrefix(kind, route, value string) []byte {
	return []byte(kind + "\x00" + route + "\x00" + value + "\x00")
}

// index records f under (route, sha256) and, for pain.001, (route, msgId),
// stamped at. A file sent again (after bridge retry) is stamped anew.
func index(tx *bolt.Tx, f *File, at time.Time) error {
	dedupe, err := bucket(tx, bucketDedupe)
	if err != nil {
		return err
	}
	byFile, err := bucket(tx, bucketByFile)
	if err != nil {
		return err
	}
	val, err := json.Marshal(indexEntry{ID: f.ID, At: at})
	if err != nil {
		return fmt.Errorf("encode index entry: %w", err)
	}
	keys, err := fileIndexKeys(byFile, f.ID)
	if err != nil {
		return err
	}
	add := func(k []byte) error {
		if err := dedupe.Put(k, val); err != nil {
			return err
		}
		for _, have := range keys {
			if bytes.Equal(have, k) {
				return nil
			}
		}
		keys = append(keys, k)
		return nil
	}
	if f.SHA256 != "" {
		if err := add(dedupeKey(kindSHA, f.Route, f.SHA256, f.ID)); err != nil {
			return err
		}
	}
	if f.MsgID != "" {
		if err := add(dedupeKey(kindMsgID, f.Route, f.MsgID, f.ID)); err != nil {
			return err
		}
	}
	for _, fp := range txFingerprints(f) {
		if err := add(dedupeKey(kindTx, f.Route, fp, f.ID)); err != nil {
			return err
		}
	}
	data, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("encode index keys: %w", err)
	}
	return byFile.Put([]byte(f.ID), data)
}

// fileIndexKeys returns the dedupe keys recorded for a file.
func fileIndexKeys(byFile *bolt.Bucket, id string) ([][]byte, error) {
	v := byFile.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	var keys [][]byte
	if err := json.Unmarshal(v, &keys); err != nil {
		return nil, fmt.Errorf("decode index keys of %s: %w", id, err)
	}
	return keys, nil
}

// FindDuplicate returns the earliest file other than excludeID that was sent
// on route with the same sha256, or with the same msgID when msgID != "",
// and indexed at or after since. It returns an error matching ErrNotFound
// when there is none.
//
// FindDuplicate is a read: the caller that checks and then moves a file to
// submitting must not do so for two files of the same route at once, or
// both may pass.
func (s *Store) FindDuplicate(route, sha256, msgID string, since time.Time, excludeID string) (*File, error) {
	var found *File
	err := s.db.View(func(tx *bolt.Tx) error {
		dedupe, err := bucket(tx, bucketDedupe)
		if err != nil {
			return err
		}
		var best *indexEntry
		scan := func(prefix []byte) error {
			c := dedupe.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				var e indexEntry
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("decode index entry %q: %w", k, err)
				}
				if e.ID == excludeID || e.At.Before(since) {
					continue
				}
				if best == nil || e.At.Before(best.At) || (e.At.Equal(best.At) && e.ID < best.ID) {
					// A dangling entry (its file is gone) is no evidence of
					// a duplicate; Check reports it.
					if _, err := getFile(tx, e.ID); err != nil {
						continue
					}
					best = &e
				}
			}
			return nil
		}
		if sha256 != "" {
			if err := scan(dedupePrefix(kindSHA, route, sha256)); err != nil {
				return err
			}
		}
		if msgID != "" {
			if err := scan(dedupePrefix(kindMsgID, route, msgID)); err != nil {
				return err
			}
		}
		if best == nil {
			return ErrNotFound
		}
		found, err = getFile(tx, best.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find duplicate on route %s: %w", route, err)
	}
	return found, nil
}

// FindTxDuplicate returns the earliest file other than excludeID that was
// sent on route at or after since with any of the given transaction
// fingerprints (TxFingerprint), and which of them it shares. It returns an
// error matching ErrNotFound when there is none. Like FindDuplicate it is a
// read: the caller serialises check and send.
func (s *Store) FindTxDuplicate(route string, fingerprints []string, since time.Time, excludeID string) (*File, []string, error) {
	var (
		found  *File
		shared []string
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		dedupe, err := bucket(tx, bucketDedupe)
		if err != nil {
			return err
		}
		var best *indexEntry
		byID := map[string][]string{} // earlier file → fingerprints it shares
		for _, fp := range fingerprints {
			prefix := dedupePrefix(kindTx, route, fp)
			c := dedupe.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				var e indexEntry
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("decode index entry %q: %w", k, err)
				}
				if e.ID == excludeID || e.At.Before(since) {
					continue
				}
				if _, err := getFile(tx, e.ID); err != nil {
					continue // dangling: no evidence; Check reports it
				}
				byID[e.ID] = append(byID[e.ID], fp)
				if best == nil || e.At.Before(best.At) || (e.At.Equal(best.At) && e.ID < best.ID) {
					best = &e
				}
			}
		}
		if best == nil {
			return ErrNotFound
		}
		shared = byID[best.ID]
		found, err = getFile(tx, best.ID)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("find duplicate transactions on route %s: %w", route, err)
	}
	return found, shared, nil
}

// Unindex drops a file's duplicate index entries, so that a file that failed
// before anything reached Atlar may be sent again. It returns an error
// matching ErrNotFound when neither the file nor any entry of it exists.
func (s *Store) Unindex(id string) error {
	_, committed, err := s.write("unindex", func(tx *bolt.Tx) (*File, error) {
		dedupe, err := bucket(tx, bucketDedupe)
		if err != nil {
			return nil, err
		}
		byFile, err := bucket(tx, bucketByFile)
		if err != nil {
			return nil, err
		}
		keys, err := fileIndexKeys(byFile, id)
		if err != nil {
			return nil, err
		}
		f, err := getFile(tx, id)
		if errors.Is(err, ErrNotFound) && len(keys) == 0 {
			return nil, ErrNotFound
		}
		for _, k := range keys {
			if err := dedupe.Delete(k); err != nil {
				return nil, err
			}
		}
		if err := byFile.Delete([]byte(id)); err != nil {
			return nil, err
		}
		return f, nil
	})
	if !committed {
		return fmt.Errorf("unindex file %s: %w", id, err)
	}
	return err
}
