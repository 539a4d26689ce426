package org.diffrep.training.cli;

import org.diffrep.model.features.Pooling;
import org.diffrep.training.train.OptimizerKind;
import picocli.CommandLine.ITypeConverter;

/** picocli converters: each option value is parsed once, where it is read, into its type. */
public final class Converters {
    private Converters() {}

    /** sgd or adam. */
    public static final class OptimizerConverter implements ITypeConverter<OptimizerKind> {
        @Override
        public OptimizerKind convert(String value) {
            return OptimizerKind.parse(value);
        }
    }

    /** avg:K, max:K, global, global-max or none. */
    public static final class PoolingConverter implements ITypeConverter<Pooling> {
        @Override
        public Pooling convert(String value) {
            return Pooling.parse(value);
        }
    }
}
