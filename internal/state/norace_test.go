//go:build !race

package state

// raceEnabled is true under -race, which makes JSON encoding some ten
// times slower; large-volume tests load fewer records then.
const raceEnabled = false
