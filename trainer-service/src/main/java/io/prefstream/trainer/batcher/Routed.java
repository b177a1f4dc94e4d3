package io.prefstream.trainer.batcher;

/**
 * Where a processor's output goes: the destination topic and the key to write there.
 *
 * @param topic destination topic
 * @param key   key bytes to write (may be null)
 */
record Routed(String topic, byte[] key) {}
