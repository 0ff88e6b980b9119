package lru

import "testing"

func TestEvictsByCost(t *testing.T) {
	c := New[string, int](10)
	c.Add("a", 1, 4)
	c.Add("b", 2, 4)
	if _, ok := c.Get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.Add("c", 3, 4) // over budget: b, the least recent, goes
	if _, ok := c.Get("b"); ok {
		t.Error("b should have been evicted")
	}
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Error("a should remain")
	}
	c.Add("huge", 9, 11) // costlier than the budget: not kept
	if _, ok := c.Get("huge"); ok || c.Len() != 2 {
		t.Errorf("huge kept or others dropped: len %d", c.Len())
	}
	if h, m := c.Stats(); h != 2 || m != 2 {
		t.Errorf("stats %d/%d", h, m)
	}
}
