package main

import "golang.org/x/sys/unix"

// networkFS names the network or user-space file system a path is on ("" on
// a local one), from statfs's magic number. bbolt's lock is flock(2): on
// such file systems it may be local to one host, so two bridges on two
// hosts would both hold "the" lock.
func networkFS(path string) string {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return ""
	}
	switch uint32(st.Type) {
	case unix.NFS_SUPER_MAGIC:
		return "NFS"
	case unix.SMB_SUPER_MAGIC, unix.SMB2_SUPER_MAGIC, unix.CIFS_SUPER_MAGIC:
		return "SMB/CIFS"
	case unix.FUSE_SUPER_MAGIC:
		return "FUSE (sshfs, GlusterFS, …)"
	case unix.CEPH_SUPER_MAGIC:
		return "CephFS"
	case unix.AFS_SUPER_MAGIC:
		return "AFS"
	}
	return ""
}
