package atlartest

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// accountJSON is the v2 Account with the required fields types.go leaves out.
type accountJSON struct {
	atlar.Account
	OrganizationID string `json:"organizationId"`
	EntityID       string `json:"entityId"`
	AffiliationID  string `json:"affiliationId"`
	Fictive        bool   `json:"fictive"`
	Version        int    `json:"version"`
	ETag           string `json:"etag"`
	Created        string `json:"created"`
	Updated        string `json:"updated"`
}

// externalAccountJSON is the v2 ExternalAccount.
type externalAccountJSON struct {
	ID             string                    `json:"id"`
	OrganizationID string                    `json:"organizationId"`
	CounterpartyID string                    `json:"counterpartyId"`
	Market         string                    `json:"market"`
	Name           string                    `json:"name"`
	Identifiers    []atlar.AccountIdentifier `json:"identifiers"`
	Routing        []atlar.RoutingIdentifier `json:"routing,omitempty"`
	Alias          string                    `json:"alias,omitempty"`
	ExternalID     string                    `json:"externalId,omitempty"`
	Version        int                       `json:"version"`
	ETag           string                    `json:"etag"`
	Created        string                    `json:"created"`
	Updated        string                    `json:"updated"`
}

// counterpartyJSON is the v2 Counterparty with its accounts embedded.
type counterpartyJSON struct {
	ID                 string                    `json:"id"`
	OrganizationID     string                    `json:"organizationId"`
	LegalName          string                    `json:"legalName"`
	Alias              string                    `json:"alias,omitempty"`
	PartyType          string                    `json:"partyType,omitempty"`
	Address            *atlar.Address            `json:"address,omitempty"`
	Email              string                    `json:"email,omitempty"`
	Phone              string                    `json:"phone,omitempty"`
	NationalIdentifier *atlar.NationalIdentifier `json:"nationalIdentifier,omitempty"`
	Accounts           []externalAccountJSON     `json:"accounts,omitempty"`
	ExternalID         string                    `json:"externalId,omitempty"`
	Version            int                       `json:"version"`
	ETag               string                    `json:"etag"`
	Created            string                    `json:"created"`
	Updated            string                    `json:"updated"`
}

func (a *seedAccount) json() accountJSON {
	return accountJSON{
		Account: a.Account, OrganizationID: SeedOrganizationID, EntityID: SeedEntityID,
		AffiliationID: SeedAffiliationID, Fictive: true, Version: 1, ETag: "version:1",
		Created: timestamp(seedCreated), Updated: timestamp(seedCreated),
	}
}

func (e *seedExternalAccount) json() externalAccountJSON {
	return externalAccountJSON{
		ID: e.id, OrganizationID: SeedOrganizationID, CounterpartyID: e.counterpartyID, Market: e.market,
		Name: cmp.Or(e.alias, e.identifiers[0].Number), Identifiers: e.identifiers, Routing: e.routing,
		Alias: e.alias, ExternalID: e.externalID,
		Version: e.ver(), ETag: e.etag(), Created: e.createdAt(), Updated: e.updatedAt(),
	}
}

func (s *Server) counterpartyJSON(c *seedCounterparty) counterpartyJSON {
	out := counterpartyJSON{
		ID: c.id, OrganizationID: SeedOrganizationID, LegalName: c.legalName, PartyType: c.partyType,
		Address: c.address, Alias: c.alias, Email: c.email, Phone: c.phone, NationalIdentifier: c.nationalID,
		ExternalID: c.externalID,
		Version:    c.ver(), ETag: c.etag(), Created: c.createdAt(), Updated: c.updatedAt(),
	}

	for _, id := range c.accounts {
		if ea := s.externalAccount(id); ea != nil {
			out.Accounts = append(out.Accounts, ea.json())
		}
	}
	return out
}

// account finds an internal account by id.
func (s *Server) account(id string) *seedAccount {
	for _, a := range s.accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// externalAccount finds an external account by id or "external:<externalId>".
func (s *Server) externalAccount(ref string) *seedExternalAccount {
	ext, byExt := strings.CutPrefix(ref, "external:")
	for _, e := range s.externalAccounts {
		if (byExt && e.externalID == ext) || (!byExt && e.id == ref) {
			return e
		}
	}
	return nil
}

// Accounts returns the internal accounts.
func (s *Server) Accounts() []atlar.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]atlar.Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		out = append(out, a.Account)
	}
	return out
}

func (s *Server) handleListAccounts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]accountJSON, 0, len(s.accounts))
	for _, a := range s.accounts {
		items = append(items, a.json())
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

func (s *Server) handleGetAccount(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a := s.account(r.PathValue("id"))
	s.mu.Unlock()
	if a == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, a.json())
}

func (s *Server) handleListExternalAccounts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]externalAccountJSON, 0, len(s.externalAccounts))
	cp := r.URL.Query().Get("counterpartyId")
	for _, e := range s.externalAccounts {
		if cp != "" && e.counterpartyID != cp {
			continue
		}
		items = append(items, e.json())
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

func (s *Server) handleGetExternalAccount(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e := s.externalAccount(r.PathValue("id"))
	s.mu.Unlock()
	if e == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, e.json())
}

func (s *Server) handleListCounterparties(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]counterpartyJSON, 0, len(s.counterparties))
	for _, c := range s.counterparties {
		items = append(items, s.counterpartyJSON(c))
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

func (s *Server) handleGetCounterparty(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("id")
	ext, byExt := strings.CutPrefix(ref, "external:")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.counterparties {
		if (byExt && c.externalID == ext) || (!byExt && c.id == ref) {
			writeJSON(w, http.StatusOK, s.counterpartyJSON(c))
			return
		}
	}
	writeNotFound(w)
}
