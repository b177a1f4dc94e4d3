package io.prefstream.labeler.join;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Serde of {@link JoinInput} for the join's internal repartition topic. */
final class JoinInputSerde implements Serde<JoinInput> {

    @Override
    public Serializer<JoinInput> serializer() {
        return (topic, input) -> input == null ? null : input.toBytes();
    }

    @Override
    public Deserializer<JoinInput> deserializer() {
        return (topic, data) -> data == null ? null : JoinInput.fromBytes(data);
    }
}
