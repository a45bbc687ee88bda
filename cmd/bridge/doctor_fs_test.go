package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A temp folder is on a local file system, where bbolt's lock keeps a
// standby waiting; doctor warns only about network file systems.
func TestNetworkFS_LocalFolder(t *testing.T) {
	assert.Equal(t, "", networkFS(t.TempDir()))
}
