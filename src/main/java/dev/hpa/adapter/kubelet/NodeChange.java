package dev.hpa.adapter.kubelet;

/** A node was added, changed ({@code node} set) or deleted ({@code node} null). */
record NodeChange(String name, KubeletNode node) {}
