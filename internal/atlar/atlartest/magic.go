package atlartest

// Magic values that make the fake take an unhappy path. They are matched
// case-sensitively; doc.go lists them with their effects.
const (
	// MagicInvalid in a payment's reference makes its batch record fail
	// with a record error on field payments.N.reference.
	MagicInvalid = "INVALID"
	// MagicReject in a payment's reference makes the payment end REJECTED
	// instead of EXECUTED.
	MagicReject = "REJECT"
	// MagicApproval in a payment's reference keeps the payment CREATED with
	// a PENDING approval step until Approve (or Reject) is called.
	MagicApproval = "APPROVAL"
	// MagicFailedAmount (999.99 in a two-decimal currency) as a payment's
	// amount value makes the payment end FAILED.
	MagicFailedAmount = 99999
	// MagicRejectInstruction anywhere in an instruction's file makes the
	// instruction end REJECTED with a message.
	MagicRejectInstruction = "REJECT-INSTRUCTION"
)
