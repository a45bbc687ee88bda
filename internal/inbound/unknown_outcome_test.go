package inbound_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// TestPipeline_UnknownOutcome crashes the bridge after a create request
// left and before its answer was journaled, restarts it more than 24 hours
// later — when Atlar no longer remembers the Idempotency-Key — and checks
// that the outcome is resolved by looking the resource up, never by
// blindly creating it again: exactly one batch or instruction at Atlar.
func TestPipeline_UnknownOutcome(t *testing.T) {
	tests := []struct {
		name        string
		route       string
		instruction bool
		// reached: the create took effect at Atlar (its answer was lost
		// with the process); otherwise it never arrived.
		reached bool
		later   time.Duration
	}{
		{"batch created, restart after 25h", "payables", false, true, 25 * time.Hour},
		{"batch not created, restart after 25h", "payables", false, false, 25 * time.Hour},
		{"batch created, restart after 1h", "payables", false, true, time.Hour},
		{"instruction created, restart after 25h", "sepa", true, true, 25 * time.Hour},
		{"instruction not created, restart after 25h", "sepa", true, false, 25 * time.Hour},
		{"instruction created, restart after 1h", "sepa", true, true, time.Hour},
		{"instruction created, restart after 30 days", "sepa", true, true, 30 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			post := "POST /payments/v2beta/credit-transfer-batches"
			if tt.instruction {
				post = "POST /connectivity/v2beta/connections/"
			}
			if !tt.reached {
				// The request dies on the way: a 5xx has no effect, and
				// with no retries the attempt ends there.
				w.fake.SetFaults(atlartest.Faults{Rate5xx: 1, Only: []string{post}})
			}
			// Crash once the first attempt is journaled: the request goes
			// out, but nothing after it reaches the journal.
			c := newCrash(func(op string, f *state.File) bool {
				if f == nil || f.State != state.Submitting {
					return false
				}
				if tt.instruction {
					return f.Instruction != nil && !f.Instruction.FirstTry.IsZero()
				}
				return len(f.Batches) > 0 && !f.Batches[0].FirstTry.IsZero()
			})
			w.start(worldOptions{Journal: c.options(), MaxRetries: -1})
			var id string
			if tt.instruction {
				id = w.drop(tt.route, "pay.xml", painData("MSG-UNKNOWN-1"))
			} else {
				id = w.drop(tt.route, "pay.csv", csvData("UNK"))
			}
			w.waitReal(c.crashed, "the crash after the create request")
			w.close()

			created := w.fake.Stats()
			wantCreated := 0
			if tt.reached {
				wantCreated = 1
			}
			if tt.instruction {
				require.Equal(t, wantCreated, created.InstructionsCreated)
			} else {
				require.Equal(t, wantCreated, created.BatchesCreated)
			}

			w.clock.Advance(tt.later)
			w.fake.SetFaults(atlartest.Faults{})
			w.start(worldOptions{})
			require.Truef(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)),
				"file not completed after the restart: %+v\nlogs:\n%s", w.file(id).Steps, w.logs)

			st := w.fake.Stats()
			f := w.file(id)
			if tt.instruction {
				ins := w.fake.Instructions()
				require.Equal(t, 1, len(ins), "exactly one instruction at Atlar")
				require.Equal(t, 1, st.InstructionsCreated)
				require.Equal(t, ins[0].ID, f.Instruction.ID)
			} else {
				require.Len(t, w.fake.Batches(), 1, "exactly one batch at Atlar")
				require.Equal(t, 1, st.BatchesCreated)
				require.Equal(t, w.fake.Batches()[0].ID, f.Batches[0].ID)
				if tt.reached {
					require.Equal(t, created.BatchCreateAttempts, st.BatchCreateAttempts,
						"an outcome Atlar knows is looked up, not created again")
				} else {
					// Planned on the 10th, sent on the 11th: dates that fell
					// into the past are sent for the day of sending.
					today := w.clock.Now().Format(time.DateOnly)
					for _, p := range w.fake.BatchRecords()[0].Request.Payments {
						require.Equal(t, today, p.Date)
					}
				}
			}
		})
	}
}

// TestPipeline_UnknownInstructionLookup covers the instruction lookup's
// hard cases: instructions have no externalId, so a lost create is found
// again by name and time, and one that cannot be told apart from another
// instruction of the same name is left to an operator, never sent again.
func TestPipeline_UnknownInstructionLookup(t *testing.T) {
	for _, accounted := range []bool{false, true} {
		name := "another instruction of that name: ambiguous"
		if accounted {
			name = "another instruction of that name, journaled for another file"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			c := newCrash(func(op string, f *state.File) bool {
				return f != nil && f.State == state.Submitting && f.Instruction != nil && !f.Instruction.FirstTry.IsZero()
			})
			w.start(worldOptions{Journal: c.options(), MaxRetries: -1})
			id := w.drop("sepa", "pay.xml", painData("MSG-LOOKUP-1"))
			w.waitReal(c.crashed, "the crash after the create request")
			w.close()

			// Someone else pushes a file of the same name a minute later.
			w.clock.Advance(time.Minute)
			api, err := atlar.New(atlar.Config{BaseURL: w.url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock})
			require.NoError(t, err)
			other, err := api.CreateInstruction(context.Background(), atlartest.SeedConnectionID, "pay.xml",
				painData("MSG-LOOKUP-OTHER"), "application/vnd.iso20022.pain.001.001.03+xml", "someone-else")
			require.NoError(t, err)
			if accounted {
				j, err := state.Open(w.lay.StateFile(), state.Options{Clock: w.clock})
				require.NoError(t, err)
				g := &state.File{ID: state.NewID(w.clock.Now()), Route: "sepa", Format: "pain001", Name: "pay.xml",
					State: state.Completed, Path: "archive/x/pay.xml", Instruction: &state.Instruction{ID: other.ID}}
				require.NoError(t, j.Create(g, "another file of this bridge"))
				require.NoError(t, j.Close(context.Background()))
			}

			w.clock.Advance(25 * time.Hour)
			w.start(worldOptions{})
			if accounted {
				require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)), "logs:\n%s", w.logs)
			} else {
				require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Failed)), "logs:\n%s", w.logs)
			}
			require.Equal(t, 2, len(w.fake.Instructions()), "nothing sent again")
			f := w.file(id)
			if accounted {
				require.NotEqual(t, other.ID, f.Instruction.ID)
				return
			}
			require.Equal(t, inbound.StatusUnknown, f.Instruction.Status)
			var report []byte
			w.waitReal(func() bool {
				report, err = os.ReadFile(w.lay.Abs(f.Path) + ".error.txt")
				return err == nil
			}, "the error report")
			require.Contains(t, string(report), "whether Atlar received it is unknown")
			require.Contains(t, string(report), "bridge retry "+id)
		})
	}
}
