// Package lru is a concurrency-safe least-recently-used cache with a cost
// budget, used for blobs, inventories and parsed chunks.
package lru

import (
	"container/list"
	"sync"
)

// Cache maps keys to values and evicts the least recently used entries when
// the total cost exceeds the budget.
type Cache[K comparable, V any] struct {
	mu     sync.Mutex
	budget int64
	cost   int64
	ll     *list.List
	items  map[K]*list.Element
	hits   int64
	misses int64
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	cost int64
}

// New returns a cache that holds entries up to a total cost of budget.
func New[K comparable, V any](budget int64) *Cache[K, V] {
	return &Cache[K, V]{budget: budget, ll: list.New(), items: map[K]*list.Element{}}
}

// Get returns the value for key and whether it was present.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		c.hits++
		return el.Value.(*entry[K, V]).val, true
	}
	c.misses++
	var zero V
	return zero, false
}

// Add stores a value with its cost. A value costlier than the whole budget
// is not kept.
func (c *Cache[K, V]) Add(key K, val V, cost int64) {
	if cost > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[K, V])
		c.cost += cost - e.cost
		e.val, e.cost = val, cost
		c.ll.MoveToFront(el)
	} else {
		c.items[key] = c.ll.PushFront(&entry[K, V]{key: key, val: val, cost: cost})
		c.cost += cost
	}
	for c.cost > c.budget {
		el := c.ll.Back()
		if el == nil {
			break
		}
		e := el.Value.(*entry[K, V])
		c.ll.Remove(el)
		delete(c.items, e.key)
		c.cost -= e.cost
	}
}

// Stats returns the hit and miss counts.
func (c *Cache[K, V]) Stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
