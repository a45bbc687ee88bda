package csvpay

import (
	"fmt"
	"slices"
	"strings"
)

// Our column names for the default layout (SPEC §3.3). The constants index
// layout.names and the bound columns of a file.
const (
	colExternalID = iota
	colSourceAccountID
	colSourceIBAN
	colAmount
	colCurrency
	colExecutionDate
	colExternalAccountID
	colCreditorName
	colCreditorIBAN
	colCreditorAccountNumber
	colCreditorRoutingNumber
	colCreditorSortCode
	colCreditorBIC
	colCreditorCountry
	colCreditorAddress
	colCreditorCity
	colCreditorPostalCode
	colCreditorStreet
	colReference
	colScheme
)

var defaultLayout = layout{
	names: []string{
		"external_id", "source_account_id", "source_iban", "amount", "currency",
		"execution_date", "external_account_id", "creditor_name", "creditor_iban",
		"creditor_account_number", "creditor_routing_number", "creditor_sort_code",
		"creditor_bic", "creditor_country", "creditor_address", "creditor_city",
		"creditor_postal_code", "creditor_street", "reference", "scheme",
	},
	required: []int{colExternalID, colAmount, colCurrency},
	// Without a header a profile must also place a destination; the source
	// may come from the route, so it is checked per file, not per profile.
	needPositions: []string{"external_id", "amount", "currency"},
}

// Atlar's batch CSV columns (DOC-BATCH, shared/atlar/NOTES.md §2.2) plus
// our externalId.
const (
	atExternalID = iota
	atCurrency
	atAmount
	atDate
	atScheme
	atReference
	atSourceType
	atSourceID
	atDestType
	atDestID
	atDestMarket
	atDestHolderName
	atDestIdentType
	atDestIdentMarket
	atDestIdentNumber
)

var atlarLayout = layout{
	names: []string{
		"externalId", "amount.currency", "amount.stringValue", "date", "scheme",
		"reference", "source.type", "source.id", "destination.type", "destination.id",
		"destination.market", "destination.holder.legalName", "destination.identifier.type",
		"destination.identifier.market", "destination.identifier.number",
	},
	required: []int{atExternalID, atCurrency, atAmount, atDate, atScheme, atReference,
		atSourceType, atDestType},
	needPositions: []string{"externalId", "amount.currency", "amount.stringValue", "date",
		"scheme", "reference", "source.type", "destination.type"},
}

// inlineColumns are the Atlar columns a file needs once any row pays an
// INLINE destination.
var inlineColumns = []int{atDestMarket, atDestHolderName, atDestIdentType, atDestIdentMarket, atDestIdentNumber}

// layout is one set of our column names.
type layout struct {
	names         []string
	required      []int    // columns the header must have
	needPositions []string // columns a header-less profile must place
}

func (p Profile) layout() *layout {
	if p.Atlar {
		return &atlarLayout
	}
	return &defaultLayout
}

func (l *layout) index(name string) int {
	for i, n := range l.names {
		if n == name {
			return i
		}
	}
	return -1
}

// column is where one of our columns sits in a file.
type column struct {
	idx  int    // 0-based field index; -1 when the file has no such column
	name string // what problems call it: the header text, or "column N (ours)"
}

func (c column) present() bool { return c.idx >= 0 }

// bind finds each of our columns in the file: by position if the profile
// gives one, else by the profile's header alias, else by our own name.
// Header names match case-insensitively after trimming. dup lists our
// columns whose header name appears more than once, which would make the
// value ambiguous.
func bind(l *layout, p Profile, header []string) (cols []column, dup []string) {
	byName := make(map[string]int, len(header))
	seenTwice := map[string]bool{}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(h))
		if _, ok := byName[key]; ok {
			seenTwice[key] = true
			continue
		}
		byName[key] = i
	}
	cols = make([]column, len(l.names))
	for i, ours := range l.names {
		cols[i] = column{idx: -1, name: ours}
		if pos, ok := p.Positions[ours]; ok {
			cols[i].idx = pos - 1
			if pos <= len(header) && p.Header {
				cols[i].name = strings.TrimSpace(header[pos-1])
			} else {
				cols[i].name = fmt.Sprintf("column %d (%s)", pos, ours)
			}
			continue
		}
		if !p.Header {
			continue
		}
		want := ours
		if alias, ok := p.Columns[ours]; ok {
			want = alias
		}
		key := strings.ToLower(strings.TrimSpace(want))
		if idx, ok := byName[key]; ok {
			cols[i] = column{idx: idx, name: strings.TrimSpace(header[idx])}
			if seenTwice[key] {
				dup = append(dup, cols[i].name)
			}
		}
	}
	return cols, dup
}

// ColumnNames lists the columns of the default layout, the names a profile
// may map.
func ColumnNames() []string { return slices.Clone(defaultLayout.names) }
