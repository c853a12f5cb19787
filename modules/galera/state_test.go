package galera

import "testing"

func TestParseGrastate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Grastate
	}{
		{"# GALERA saved state\nversion: 2.1\nuuid:    6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa\nseqno:   12\nsafe_to_bootstrap: 1\n",
			Grastate{Present: true, UUID: uuidA, Seqno: 12, SafeToBootstrap: true}},
		{"# GALERA saved state\nversion: 2.1\nuuid:    6B0F1E3C-0000-11EF-8000-AAAAAAAAAAAA\nseqno:   -1\nsafe_to_bootstrap: 0\n",
			Grastate{Present: true, UUID: uuidA, Seqno: -1}},
		{"version: 2.1\nuuid: 00000000-0000-0000-0000-000000000000\nseqno: -1\n",
			Grastate{Present: true, UUID: ZeroUUID, Seqno: -1}},
		{"", Grastate{Present: true, Seqno: -1}},
	} {
		if got := ParseGrastate(c.in); got != c.want {
			t.Errorf("ParseGrastate(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	if !ParseGrastate("uuid: " + ZeroUUID).Fresh() {
		t.Error("a zero uuid is not fresh")
	}
}

func TestParseStatus(t *testing.T) {
	s := ParseStatus("wsrep_cluster_size\t3\nwsrep_cluster_state_uuid\t" + uuidA + "\nwsrep_cluster_conf_id\t5\n" +
		"wsrep_local_state_comment\tSynced\nwsrep_cluster_status\tPrimary\nwsrep_last_committed\t42\nwsrep_ready\tON\n" +
		"wsrep_cluster_name\tc1\nwsrep_on\tON\nnoise without a tab\n")
	want := Status{ClusterSize: 3, StateUUID: uuidA, ConfID: 5, LocalState: "Synced", ClusterStatus: "Primary",
		ClusterName: "c1", LastCommitted: 42, Ready: true, WsrepOn: true}
	if *s != want || !s.Synced() {
		t.Fatalf("got %+v, want %+v", *s, want)
	}
	if (*Status)(nil).Primary() {
		t.Fatal("nil status is Primary")
	}
}

func TestParseRecovered(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Position
		ok   bool
	}{
		{"2026-11-27 20:00:00 0 [Note] InnoDB: ...\n2026-11-27 20:00:01 0 [Note] WSREP: Recovered position: 6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa:17\n",
			Position{uuidA, 17}, true},
		{"--wsrep_start_position=6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa:9\n", Position{uuidA, 9}, true},
		{"WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1\n", Position{ZeroUUID, -1}, true},
		{"[Note] WSREP: Recovered position: 6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa:3\n[Note] WSREP: Recovered position: 6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa:4\n",
			Position{uuidA, 4}, true},
		{"[ERROR] Aborting\n", Position{}, false},
	} {
		got, ok := ParseRecovered(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseRecovered(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseGrastate(f *testing.F) {
	f.Add("# GALERA saved state\nversion: 2.1\nuuid:    6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa\nseqno:   12\nsafe_to_bootstrap: 1\n")
	f.Add("seqno: x\nuuid:\n:")
	f.Fuzz(func(t *testing.T, s string) {
		g := ParseGrastate(s)
		if !g.Present {
			t.Fatal("not present")
		}
		if g.Fresh() != (g.UUID == "" || g.UUID == ZeroUUID) {
			t.Fatal("Fresh disagrees with UUID")
		}
	})
}

func FuzzParseRecovered(f *testing.F) {
	f.Add("WSREP: Recovered position: 6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa:17\n")
	f.Add("--wsrep_start_position=6b0f1e3c-0000-11ef-8000-aaaaaaaaaaaa:99999999999999999999999")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := ParseRecovered(s)
		if ok && len(p.UUID) != 36 {
			t.Fatalf("uuid %q", p.UUID)
		}
	})
}
