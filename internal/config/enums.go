package config

// The values of enum keys, as they are after normalisation (enums are
// case-insensitive in the file).
const (
	FormatCSV     = "csv"
	FormatPain001 = "pain001"

	ModeInstruction = "instruction"
	ModeTransfers   = "transfers"

	// ConnectionAuto resolves the connection from the debtor account.
	ConnectionAuto = "auto"

	ValidateStrict     = "strict"
	ValidateWellformed = "wellformed"
	ValidateNone       = "none"

	TreatmentIndividual = "INDIVIDUAL_PAYMENTS"
	TreatmentBatch      = "BATCH"

	ResultPain002 = "pain002"
	ResultCSV     = "csv"

	Pain002V10 = "pain.002.001.10"
	Pain002V03 = "pain.002.001.03"

	// ProfileAtlar is the built-in csv_profile for Atlar's own batch CSV.
	ProfileAtlar = "atlar"

	Camt053V02 = "camt.053.001.02"
	Camt053V03 = "camt.053.001.03"
	Camt053V04 = "camt.053.001.04"
	Camt053V08 = "camt.053.001.08"

	AuthOAuth2 = "oauth2"
	AuthBasic  = "basic"

	LogDebug = "debug"
	LogInfo  = "info"
	LogWarn  = "warn"
	LogError = "error"

	LogFormatAuto = "auto"
	LogFormatText = "text"
	LogFormatJSON = "json"

	EncodingUTF8     = "utf-8"
	EncodingUTF8BOM  = "utf-8-bom" // UTF-8 that starts with a byte-order mark
	EncodingWin1252  = "windows-1252"
	EncodingLatin1   = "iso-8859-1"
	EncodingLatin9   = "iso-8859-15"
	DefaultDelimiter = ","
	DefaultDecimal   = "."
	DefaultDate      = "YYYY-MM-DD"
)

// encodingAliases maps the names operators write to the canonical ones.
var encodingAliases = map[string]string{
	"utf-8": EncodingUTF8, "utf8": EncodingUTF8,
	"utf-8-bom": EncodingUTF8BOM, "utf8-bom": EncodingUTF8BOM, "utf-8bom": EncodingUTF8BOM, "utf8bom": EncodingUTF8BOM,
	"windows-1252": EncodingWin1252, "cp1252": EncodingWin1252, "win1252": EncodingWin1252, "windows1252": EncodingWin1252,
	"iso-8859-1": EncodingLatin1, "iso8859-1": EncodingLatin1, "latin1": EncodingLatin1, "latin-1": EncodingLatin1,
	"iso-8859-15": EncodingLatin9, "iso8859-15": EncodingLatin9, "latin9": EncodingLatin9, "latin-9": EncodingLatin9,
}

// ColumnNames are the column names a csv_profile may map, in SPEC §3.3 order.
var ColumnNames = []string{
	"external_id", "source_account_id", "source_iban", "amount", "currency",
	"execution_date", "external_account_id", "creditor_name", "creditor_iban",
	"creditor_account_number", "creditor_routing_number", "creditor_sort_code",
	"creditor_bic", "creditor_country", "creditor_address", "creditor_city",
	"creditor_postal_code", "creditor_street", "reference", "scheme",
}

// Added with collections and counterparties (issue 16).
const (
	FormatPain008 = "pain008"

	KindPayments       = "payments"
	KindDirectDebits   = "direct_debits"
	KindCounterparties = "counterparties"
	DefaultKind        = KindPayments
)
