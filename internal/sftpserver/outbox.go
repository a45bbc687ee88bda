package sftpserver

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ResultOwners tells which route an outbox result file belongs to, so that
// a user sees and deletes only the results of its own routes (SPEC §5a).
// The bridge answers from its journal; the server never reads it itself.
type ResultOwners interface {
	// ResultRoute returns the route of the input whose result is called
	// name in the results folder, or "" when no input of any route wrote
	// it (such a file is shown to nobody). An error is a failed look-up.
	ResultRoute(name string) (route string, err error)
}

// outboxFolder maps /outbox/<name> to its real folder when the user is
// granted it. Results are every user's folder (the files in it are
// filtered by route); statements and report folders need a grant.
func (s *session) outboxFolder(name string) (string, bool) {
	cfg := &s.srv.cfg
	switch name {
	case resultsName:
		return cfg.ResultsDir, true
	case statementsName:
		return cfg.StatementsDir, s.user.seesFolder(name)
	}
	if cfg.OutboxDir == "" || !s.user.seesFolder(name) || !validName(name) || strings.HasPrefix(name, ".") {
		return "", false
	}
	// Only an exact name listed in the real folder: on Windows and macOS
	// "Statements" would otherwise open outbox/statements without its
	// account filter.
	for _, f := range s.srv.reportFolders() {
		if f == name {
			return filepath.Join(cfg.OutboxDir, name), true
		}
	}
	return "", false
}

// reportFolders lists the real sub-folders of Config.OutboxDir other than
// results and statements: one per report (SPEC §5a, outbox/<report name>/).
// Links are not followed.
func (srv *Server) reportFolders() []string {
	if srv.cfg.OutboxDir == "" {
		return nil
	}
	entries, err := os.ReadDir(srv.cfg.OutboxDir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || !validName(name) ||
			strings.EqualFold(name, resultsName) || strings.EqualFold(name, statementsName) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// outboxRootList is what /outbox shows the user.
func (s *session) outboxRootList() listerAt {
	cfg := &s.srv.cfg
	out := listerAt{dirInfo(resultsName, dirMtime(cfg.ResultsDir, s.srv.started))}
	if s.user.seesFolder(statementsName) {
		out = append(out, dirInfo(statementsName, dirMtime(cfg.StatementsDir, s.srv.started)))
	}
	for _, f := range s.srv.reportFolders() {
		if s.user.seesFolder(f) {
			out = append(out, dirInfo(f, dirMtime(filepath.Join(cfg.OutboxDir, f), s.srv.started)))
		}
	}
	return out
}

// outboxVisible reports whether the user may see (and so read or delete)
// the outbox file n. why says, for the audit log, why not.
func (s *session) outboxVisible(n node) (ok bool, why string) {
	switch n.folder {
	case resultsName:
		owners := s.srv.cfg.Results
		if owners == nil {
			return true, ""
		}
		route, err := owners.ResultRoute(n.name)
		if err != nil {
			// Once per session and minute at most: a listing would log
			// one line per file while the journal is unavailable.
			now := s.srv.clock.Now()
			s.mu.Lock()
			log := now.Sub(s.lookupLogged) >= time.Minute
			if log {
				s.lookupLogged = now
			}
			s.mu.Unlock()
			if log {
				s.srv.log.Error("result owner look-up", s.attrs(n.vpath, "err", err.Error())...)
			}
			return false, "owner look-up failed"
		}
		if route == "" {
			return false, "no route's result"
		}
		if !s.user.hasRoute(route) {
			return false, "result of route " + route
		}
		return true, ""
	case statementsName:
		if s.user.seesAccountOf(n.name) {
			return true, ""
		}
		return false, "statement of an account not granted"
	}
	return true, ""
}

// seesFolder reports whether the user is granted the outbox folder name
// (statements or a report); no reports list grants all.
func (u *User) seesFolder(name string) bool {
	return u.Reports == nil || slices.Contains(u.Reports, name)
}

// seesAccountOf reports whether a statement file, named
// <IBAN or account id>_<date>_<report id>.xml, is of an account the user
// is granted; an empty accounts list grants all (to see no statements, a
// user is not granted the statements folder).
func (u *User) seesAccountOf(name string) bool {
	if len(u.Accounts) == 0 {
		return true
	}
	acct, _, ok := strings.Cut(name, "_")
	return ok && slices.ContainsFunc(u.Accounts, func(a string) bool { return strings.EqualFold(a, acct) })
}
