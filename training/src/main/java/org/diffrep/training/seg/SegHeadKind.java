package org.diffrep.training.seg;

import org.diffrep.common.UserInputException;
import java.util.Locale;

/** The segmentation heads: a per-pixel linear probe and the paper's UperNet. */
public enum SegHeadKind {
    /** 1×1 conv on the taps bilinearly upsampled to a common side and concatenated. */
    SEG_LINEAR("seg-linear"),
    /** 1×1 adapters to the four UperNet inputs (strides 4, 8, 16, 32), PPM on the coarsest, FPN fusion. */
    UPERNET("upernet");

    private final String cliName;

    SegHeadKind(String cliName) {
        this.cliName = cliName;
    }

    /** Whether {@code --head} names a segmentation head. */
    public static boolean isSegmentation(String head) {
        return head != null && (head.trim().equalsIgnoreCase(SEG_LINEAR.cliName) || head.trim().equalsIgnoreCase(UPERNET.cliName));
    }

    public static SegHeadKind parse(String s) {
        for (SegHeadKind k : values()) if (k.cliName.equalsIgnoreCase(s.trim())) return k;
        throw new UserInputException("unknown segmentation head '" + s + "': use seg-linear or upernet");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
