package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig_Validate_CollectionRoutes(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "Pain008", doc: minimal + "[[routes]]\nname = \"collections\"\nformat = \"PAIN008\"\nscheme = \"SDD_B2B\"\n"},
		{name: "DirectDebits", doc: minimal + "[[routes]]\nname = \"debits\"\nformat = \"csv\"\nkind = \"Direct_Debits\"\ncreditor_id = \"de98zzz09999999999\"\ncreditor_account_id = \"acc-1\"\n"},
		{name: "Counterparties", doc: minimal + "[[routes]]\nname = \"vendors\"\nformat = \"csv\"\nkind = \"counterparties\"\n"},
		{
			name: "KindUnknown",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"csv\"\nkind = \"mandates\"\n",
			want: []string{`config.toml:11: routes[1].kind: must be one of "payments", "direct_debits", "counterparties" (got "mandates")`},
		},
		{
			name: "KindNotCSV",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"pain008\"\nkind = \"direct_debits\"\n",
			want: []string{`config.toml:11: routes[1].kind: only for format = "csv" (got "direct_debits")`},
		},
		{
			name: "CreditorIDCheckDigits",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"csv\"\nkind = \"direct_debits\"\ncreditor_id = \"DE99ZZZ09999999999\"\n",
			want: []string{`config.toml:12: routes[1].creditor_id: must be a SEPA creditor identifier like "DE98ZZZ09999999999": creditor identifier "DE99ZZZ09999999999": check digits 99 do not match (expected 98 for national id 09999999999)`},
		},
		{
			name: "CreditorIDOnPayments",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"csv\"\ncreditor_id = \"DE98ZZZ09999999999\"\n",
			want: []string{`config.toml:11: routes[1].creditor_id: only for kind = "direct_debits" (got "DE98ZZZ09999999999")`},
		},
		{
			name: "CollectionScheme",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"pain008\"\nscheme = \"SCT\"\n",
			want: []string{`config.toml:11: routes[1].scheme: must be "SDD_CORE" or "SDD_B2B" for collections (got "SCT")`},
		},
		{
			name: "Pain008SourceAccount",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"pain008\"\nsource_account_id = \"acc-1\"\n",
			want: []string{`config.toml:11: routes[1].source_account_id: not for format = "pain008": the file names the creditor and its account (got "acc-1")`},
		},
		{
			name: "CounterpartiesAtlarProfile",
			doc:  minimal + "[[routes]]\nname = \"x\"\nformat = \"csv\"\nkind = \"counterparties\"\ncsv_profile = \"atlar\"\n",
			want: []string{`config.toml:12: routes[1].csv_profile: "atlar" is Atlar's payments batch layout: not for kind = "counterparties"`},
		},
	})
}

// kind defaults to payments on csv routes and is normalised; creditor_id
// is upper-cased.
func TestParse_KindNormalised(t *testing.T) {
	c, err := Parse(strings.NewReader(minimal+"[[routes]]\nname = \"debits\"\nformat = \"csv\"\nkind = \"DIRECT_DEBITS\"\ncreditor_id = \" de98zzz09999999999 \"\n"), "config.toml")
	require.NoError(t, err)
	r, ok := c.Route("debits")
	require.True(t, ok)
	assert.Equal(t, KindDirectDebits, r.Kind)
	assert.Equal(t, "DE98ZZZ09999999999", r.CreditorID)
	p, ok := c.Route("payables")
	require.True(t, ok)
	assert.Equal(t, KindPayments, p.Kind)
}
