package atlartest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankid"
)

// Write endpoints of counterparties and external accounts. Created
// resources join the seeded ones (s.counterparties, s.externalAccounts), so
// the existing GET and list handlers serve them.

const maxLegalName = 96

// writeConflict answers 409 for an externalId already used by any resource.
func writeConflict(w http.ResponseWriter, field, externalID string) {
	writeError(w, http.StatusConflict, "Conflict: a resource with this externalId already exists.",
		errorDetail("duplicate", fmt.Sprintf("externalId %q is already used", externalID), field))
}

// checkIfMatch answers 412 when the request has an If-Match that is not
// the resource's current etag. Without If-Match the update is unconditional
// (the spec does not mark the header required). It reports whether the
// caller may go on.
func checkIfMatch(w http.ResponseWriter, r *http.Request, etag string) bool {
	im := r.Header.Get("If-Match")
	if im == "" || im == etag {
		return true
	}
	writeError(w, http.StatusPreconditionFailed, "Precondition failed: the resource was changed since it was read.",
		errorDetail("etag_mismatch", fmt.Sprintf("If-Match %q does not match the current etag %q", im, etag), "If-Match"))
	return false
}

// decodeBody decodes a JSON body; strict refuses unknown fields, as a
// schema with additionalProperties false does (JSON Patch ops). Create
// bodies are lenient: fields the fake does not model (metadata, entityIds)
// are accepted and ignored.
func decodeBody(r *http.Request, v any, strict bool) problems {
	dec := json.NewDecoder(r.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	return nil
}

func checkExternalID(p *problems, field, id string) {
	if id != "" && !externalIDRE.MatchString(id) {
		p.add(field, "invalid_value", "must match %s", externalIDRE)
	}
}

// checkAccount validates an account's market, identifiers and routing
// (exactly one identifier; an IBAN must pass its check digits).
func checkAccount(p *problems, at, market string, ids []atlar.AccountIdentifier, rts []atlar.RoutingIdentifier) {
	if !marketRE.MatchString(market) {
		p.add(at+"market", "invalid_value", "must be a two-letter country code")
	}
	if len(ids) != 1 {
		p.add(at+"identifiers", "invalid_value", "must hold exactly 1 identifier")
	}
	for i, id := range ids {
		f := fmt.Sprintf("%sidentifiers.%d", at, i)
		if !identifierTypes[id.Type] {
			p.add(f+".type", "invalid_value", "unknown identifier type %q", id.Type)
		}
		if !marketRE.MatchString(id.Market) {
			p.add(f+".market", "invalid_value", "must be a two-letter country code")
		}
		switch {
		case id.Number == "" || len(id.Number) > 255:
			p.add(f+".number", "invalid_value", "must be 1 to 255 characters")
		case id.Type == "IBAN":
			if err := bankid.CheckIBAN(id.Number); err != nil {
				p.add(f+".number", "invalid_value", "invalid IBAN: %v", err)
			}
		}
	}
	if len(rts) > 5 {
		p.add(at+"routing", "invalid_value", "must hold at most 5 routing identifiers")
	}
	for i, rt := range rts {
		f := fmt.Sprintf("%srouting.%d", at, i)
		if !routingTypes[rt.Type] {
			p.add(f+".type", "invalid_value", "unknown routing type %q", rt.Type)
		}
		if rt.Number == "" || len(rt.Number) > 255 {
			p.add(f+".number", "invalid_value", "must be 1 to 255 characters")
		}
	}
}

func checkParty(p *problems, at string, partyType string, addr *atlar.Address, nid *atlar.NationalIdentifier) {
	if partyType != "" && partyType != atlar.PartyIndividual && partyType != atlar.PartyCompany {
		p.add(at+"partyType", "invalid_value", "must be one of [INDIVIDUAL COMPANY]")
	}
	if addr != nil && addr.Country != "" && !marketRE.MatchString(addr.Country) {
		p.add(at+"address.country", "invalid_value", "must be a two-letter country code")
	}
	if nid != nil && (nid.Type != "CIVIC" && nid.Type != "COMPANY" || !marketRE.MatchString(nid.Market) || nid.Number == "") {
		p.add(at+"nationalIdentifier", "invalid_value", "needs type CIVIC|COMPANY, a two-letter market and a number")
	}
}

// handleCreateCounterparty serves POST /payments/v2/counterparties: 400 with
// every problem, 409 when the counterparty's or an account's externalId is
// used, else 201 with the counterparty and its embedded accounts.
func (s *Server) handleCreateCounterparty(w http.ResponseWriter, r *http.Request) {
	var req atlar.CreateCounterpartyRequest
	if p := decodeBody(r, &req, false); len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	var p problems
	switch n := len([]rune(req.LegalName)); {
	case strings.TrimSpace(req.LegalName) == "":
		p.required("legalName")
	case n > maxLegalName:
		p.add("legalName", "invalid_value", "must be at most %d characters", maxLegalName)
	}
	checkParty(&p, "", req.PartyType, req.Address, req.NationalIdentifier)
	checkExternalID(&p, "externalId", req.ExternalID)
	for i, a := range req.Accounts {
		at := fmt.Sprintf("accounts.%d.", i)
		checkAccount(&p, at, a.Market, a.Identifiers, a.Routing)
		checkExternalID(&p, at+"externalId", a.ExternalID)
	}
	if len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.CounterpartyCreateAttempts++
	seen := map[string]bool{}
	for i, id := range append([]string{req.ExternalID}, accountExternalIDs(req.Accounts)...) {
		field := "externalId"
		if i > 0 {
			field = fmt.Sprintf("accounts.%d.externalId", i-1)
		}
		if id == "" {
			continue
		}
		if _, used := s.externalIDs[id]; used || seen[id] {
			writeConflict(w, field, id)
			return
		}
		seen[id] = true
	}
	now := s.clock.Now()
	wr := writable{alias: req.Alias, version: 1, created: now, updated: now, idempotencyKey: r.Header.Get("Idempotency-Key")}
	c := &seedCounterparty{
		id: newID(), legalName: req.LegalName, externalID: req.ExternalID, partyType: req.PartyType,
		email: req.Email, phone: req.Phone, address: req.Address, nationalID: req.NationalIdentifier, writable: wr,
	}
	if req.Address != nil {
		c.country = req.Address.Country
	}
	s.counterparties = append(s.counterparties, c)
	if c.externalID != "" {
		s.externalIDs[c.externalID] = c.id
	}
	s.stats.CounterpartiesCreated++
	for _, a := range req.Accounts {
		e := s.addExternalAccount(c, a.Market, a.Identifiers, a.Routing, a.ExternalID, writable{version: 1, created: now, updated: now})
		e.idempotencyKey = wr.idempotencyKey
	}
	writeJSON(w, http.StatusCreated, s.counterpartyJSON(c))
}

func accountExternalIDs(as []atlar.CreateEmbeddedExternalAccountRequest) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ExternalID
	}
	return out
}

// addExternalAccount stores a new account of c. Callers hold s.mu.
func (s *Server) addExternalAccount(c *seedCounterparty, market string, ids []atlar.AccountIdentifier, rts []atlar.RoutingIdentifier, externalID string, wr writable) *seedExternalAccount {
	e := &seedExternalAccount{
		id: newID(), counterpartyID: c.id, externalID: externalID, market: market, holder: c.legalName,
		identifiers: slices.Clone(ids), routing: slices.Clone(rts), writable: wr,
	}
	for i := range e.identifiers {
		if e.identifiers[i].Type == "IBAN" {
			e.identifiers[i].Number = bankid.NormalizeIBAN(e.identifiers[i].Number)
		}
	}
	s.externalAccounts = append(s.externalAccounts, e)
	c.accounts = append(c.accounts, e.id)
	if externalID != "" {
		s.externalIDs[externalID] = e.id
	}
	s.stats.ExternalAccountsCreated++
	return e
}

// counterpartyByRef finds a counterparty by id or "external:<id>". Callers
// hold s.mu.
func (s *Server) counterpartyByRef(ref string) *seedCounterparty {
	ext, byExt := strings.CutPrefix(ref, "external:")
	for _, c := range s.counterparties {
		if (byExt && c.externalID != "" && c.externalID == ext) || (!byExt && c.id == ref) {
			return c
		}
	}
	return nil
}

// handleCreateExternalAccount serves POST /payments/v2/external-accounts.
func (s *Server) handleCreateExternalAccount(w http.ResponseWriter, r *http.Request) {
	var req atlar.CreateExternalAccountRequest
	if p := decodeBody(r, &req, false); len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	var p problems
	if req.CounterpartyID == "" {
		p.required("counterpartyId")
	}
	checkAccount(&p, "", req.Market, req.Identifiers, req.Routing)
	checkExternalID(&p, "externalId", req.ExternalID)
	if len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.ExternalAccountCreateAttempts++
	c := s.counterpartyByRef(req.CounterpartyID)
	if c == nil || strings.HasPrefix(req.CounterpartyID, "external:") {
		writeBadField(w, "counterpartyId", "not_found", fmt.Sprintf("counterparty %q not found", req.CounterpartyID))
		return
	}
	if _, used := s.externalIDs[req.ExternalID]; used && req.ExternalID != "" {
		writeConflict(w, "externalId", req.ExternalID)
		return
	}
	now := s.clock.Now()
	e := s.addExternalAccount(c, req.Market, req.Identifiers, req.Routing, req.ExternalID,
		writable{alias: req.Alias, version: 1, created: now, updated: now, idempotencyKey: r.Header.Get("Idempotency-Key")})
	writeJSON(w, http.StatusCreated, e.json())
}

// counterpartyPatchPaths are the (op, path) pairs of the spec's
// CounterpartyJSONPatchRequest that the fake applies.
var counterpartyPatchPaths = map[string]bool{
	"replace /legalName": true, "replace /alias": true, "remove /alias": true,
	"replace /email": true, "remove /email": true, "replace /phone": true, "remove /phone": true,
	"replace /partyType": true, "remove /partyType": true, "replace /address": true,
	"replace /nationalIdentifier": true, "remove /nationalIdentifier": true,
}

type patchOpInput struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// handlePatchCounterparty serves PATCH /payments/v2/counterparties/{id}
// (application/json-patch+json). All ops are checked before any is
// applied; the version goes up by one per successful PATCH.
func (s *Server) handlePatchCounterparty(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json-patch+json" {
		writeError(w, http.StatusUnsupportedMediaType, "Unsupported media type: use application/json-patch+json.")
		return
	}
	var ops []patchOpInput
	if p := decodeBody(r, &ops, true); len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.CounterpartyPatchAttempts++
	c := s.counterpartyByRef(r.PathValue("id"))
	if c == nil {
		writeNotFound(w)
		return
	}
	if !checkIfMatch(w, r, c.etag()) {
		return
	}
	next := *c
	var p problems
	for i, op := range ops {
		at := fmt.Sprintf("%d", i)
		if !counterpartyPatchPaths[op.Op+" "+op.Path] {
			p.add(at+".path", "invalid_value", "operation %q on %q is not supported", op.Op, op.Path)
			continue
		}
		if op.Op == "remove" {
			if len(op.Value) > 0 {
				p.add(at+".value", "invalid_value", "remove takes no value")
			}
			switch op.Path {
			case "/alias":
				next.alias = ""
			case "/email":
				next.email = ""
			case "/phone":
				next.phone = ""
			case "/partyType":
				next.partyType = ""
			case "/nationalIdentifier":
				next.nationalID = nil
			}
			continue
		}
		var err error
		switch op.Path {
		case "/legalName", "/alias", "/email", "/phone", "/partyType":
			var v string
			if err = json.Unmarshal(op.Value, &v); err == nil {
				switch op.Path {
				case "/legalName":
					next.legalName = v
				case "/alias":
					next.alias = v
				case "/email":
					next.email = v
				case "/phone":
					next.phone = v
				case "/partyType":
					next.partyType = v
				}
			}
		case "/address":
			var a atlar.Address
			err = json.Unmarshal(op.Value, &a)
			next.address = &a
		case "/nationalIdentifier":
			var n atlar.NationalIdentifier
			err = json.Unmarshal(op.Value, &n)
			next.nationalID = &n
		}
		if err != nil || len(op.Value) == 0 {
			p.add(at+".value", "invalid_value", "a value of the right type is required")
		}
	}
	if strings.TrimSpace(next.legalName) == "" || len([]rune(next.legalName)) > 255 {
		p.add("legalName", "invalid_value", "must be 1 to 255 characters")
	}
	checkParty(&p, "", next.partyType, next.address, next.nationalID)
	if len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	now := s.clock.Now()
	next.version, next.updated = c.ver()+1, now
	if next.created.IsZero() {
		next.created = seedCreated
	}
	if next.address != nil {
		next.country = next.address.Country
	}
	*c = next
	for _, id := range c.accounts {
		if e := s.externalAccount(id); e != nil {
			e.holder = c.legalName
		}
	}
	s.stats.CounterpartyPatches++
	writeJSON(w, http.StatusOK, s.counterpartyJSON(c))
}
