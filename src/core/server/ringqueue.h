// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace clusterlab {

// A first-in first-out queue on one growing array, for the worker's per
// connection queues: unlike std::deque, pushing and popping in a steady
// state allocates nothing (the array grows by doubling and never shrinks;
// its size is the most the queue ever held). A popped element stays in its
// slot until the slot is reused: pushSlot() hands that element back, so a
// buffer it owns is written over rather than allocated again. Not
// thread-safe.
template <typename T>
class RingQueue
{
public:
    bool empty() const { return m_size == 0; }
    std::size_t size() const { return m_size; }
    T& front() { return at(0); }
    T& back() { return at(m_size - 1); }
    T& operator[](std::size_t i) { return at(i); }
    const T& operator[](std::size_t i) const { return m_items[(m_head + i) % m_items.size()]; }

    void push_back(T value) { pushSlot() = std::move(value); }
    // The next slot at the back, as it was left (a default T, or what was
    // popped from it before): the caller sets what it needs.
    T& pushSlot()
    {
        if (m_size == m_items.size())
            grow();
        ++m_size;
        return at(m_size - 1);
    }
    void pop_front()
    {
        m_head = (m_head + 1) % m_items.size();
        --m_size;
    }
    // Every element destroyed (their resources released), the array kept.
    void clear()
    {
        for (T& item : m_items)
            item = T();
        m_head = 0;
        m_size = 0;
    }

    template <typename Q, typename V>
    class Iterator
    {
    public:
        Iterator(Q* q, std::size_t i)
            : m_q(q)
            , m_i(i)
        {
        }
        V& operator*() const { return (*m_q)[m_i]; }
        V* operator->() const { return &(*m_q)[m_i]; }
        Iterator& operator++()
        {
            ++m_i;
            return *this;
        }
        bool operator!=(const Iterator& o) const { return m_i != o.m_i; }
        bool operator==(const Iterator& o) const { return m_i == o.m_i; }

    private:
        Q* m_q;
        std::size_t m_i;
    };
    Iterator<RingQueue, T> begin() { return { this, 0 }; }
    Iterator<RingQueue, T> end() { return { this, m_size }; }
    Iterator<const RingQueue, const T> begin() const { return { this, 0 }; }
    Iterator<const RingQueue, const T> end() const { return { this, m_size }; }

private:
    T& at(std::size_t i) { return m_items[(m_head + i) % m_items.size()]; }
    void grow()
    {
        std::vector<T> bigger(m_items.empty() ? 4 : 2 * m_items.size());
        for (std::size_t i = 0; i < m_items.size(); ++i) // every slot, live ones first: popped ones keep their buffers
            bigger[i] = std::move(at(i));
        m_items.swap(bigger);
        m_head = 0;
    }

    std::vector<T> m_items;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace clusterlab
