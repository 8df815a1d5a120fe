package record

import "testing"

func TestSubscriptionHearsNewAttempts(t *testing.T) {
	r := NewRing(4)
	r.Add(Attempt{ID: "before"})
	s := r.Subscribe(2)
	defer s.Close()
	r.Add(Attempt{ID: "a1"})
	if got := <-s.C; got.ID != "a1" {
		t.Fatalf("got %q, want a1 (attempts from before the subscription are not sent)", got.ID)
	}
}

func TestSlowSubscriberDropsAndNeverBlocksAdd(t *testing.T) {
	r := NewRing(8)
	s := r.Subscribe(1)
	defer s.Close()
	for _, id := range []string{"a1", "a2", "a3"} {
		r.Add(Attempt{ID: id}) // returns although nothing reads s.C
	}
	if got := s.Dropped(); got != 2 {
		t.Fatalf("dropped %d, want 2", got)
	}
	if got := <-s.C; got.ID != "a1" {
		t.Fatalf("got %q, want a1", got.ID)
	}
	if r.Total() != 3 {
		t.Fatalf("ring kept %d, want 3", r.Total())
	}
}

func TestCloseEndsTheChannelAndIsIdempotent(t *testing.T) {
	r := NewRing(2)
	s := r.Subscribe(1)
	s.Close()
	s.Close()
	if _, ok := <-s.C; ok {
		t.Fatal("channel still open after Close")
	}
	r.Add(Attempt{ID: "after"}) // no panic on a closed subscriber
}
