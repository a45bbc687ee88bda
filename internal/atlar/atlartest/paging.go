package atlartest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// Paging limits, as documented for every Atlar list endpoint.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// pageToken is the content of the opaque token. It is bound to the path it
// was issued for.
type pageToken struct {
	Path   string `json:"p"`
	Offset int    `json:"o"`
}

// pageBounds parses limit and token and returns the slice bounds of the page
// for a list of n items, the next token ("" on the last page) and the echoed
// limit and token. It writes a 400 and returns ok=false on bad input.
//
// A page holds at most min(limit, PageSize) items: the fake serves short
// pages that still carry a nextToken.
func (s *Server) pageBounds(w http.ResponseWriter, r *http.Request, n int) (lo, hi int, next string, limit int, ok bool) {
	q := r.URL.Query()
	limit = defaultLimit
	if v := q.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 || l > maxLimit {
			writeBadField(w, "limit", "invalid_value", "must be an integer between 1 and 500")
			return 0, 0, "", 0, false
		}
		limit = l
	}
	if tok := q.Get("token"); tok != "" {
		pt, err := decodePageToken(tok)
		if err != nil || pt.Path != r.URL.Path || pt.Offset < 0 || pt.Offset > n {
			writeBadField(w, "token", "invalid_value", "invalid pagination token")
			return 0, 0, "", 0, false
		}
		lo = pt.Offset
	}
	hi = min(lo+limit, lo+s.opts.PageSize, n)
	if hi < n {
		next = encodePageToken(pageToken{Path: r.URL.Path, Offset: hi})
	}
	return lo, hi, next, limit, true
}

// writePage answers one page of items as a ListResponse.
func writePage[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) {
	lo, hi, next, limit, ok := s.pageBounds(w, r, len(items))
	if !ok {
		return
	}
	page := make([]T, 0, hi-lo)
	page = append(page, items[lo:hi]...)
	writeJSON(w, http.StatusOK, atlar.ListResponse[T]{
		Items: page, NextToken: next, Token: r.URL.Query().Get("token"), Limit: limit,
	})
}

// encodePageToken uses standard base64 (with '+', '/' and '='), like the
// tokens in Atlar's examples, so clients must escape it in the query.
func encodePageToken(pt pageToken) string {
	b, _ := json.Marshal(pt)
	return base64.StdEncoding.EncodeToString(b)
}

func decodePageToken(tok string) (pageToken, error) {
	var pt pageToken
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return pt, err
	}
	err = json.Unmarshal(b, &pt)
	return pt, err
}
