import Tokenizer

/// Recovers the prompt of a record that stores only `chosen` and `rejected`, each repeating the prompt.
///
/// Anthropic HH text (`\n\nHuman: … \n\nAssistant: …`) splits at the last `\n\nAssistant:`, as the DPO authors'
/// `extract_anthropic_prompt` does: the prompt ends with the marker and each completion starts right after it
/// (usually with a space). The authors search the chosen text alone; we search the part both texts share, which is
/// the same split on every normal record and still correct when the chosen side has extra turns. Other text
/// splits at the longest common prefix, as TRL's `extract_prompt` does, never inside a UTF-8 sequence.
public enum ImplicitPrompt {
    public static let assistantMarker = "\n\nAssistant:"

    public static func split(chosen: String, rejected: String) -> (prompt: String, chosen: String, rejected: String) {
        var chosen = chosen
        var rejected = rejected
        return chosen.withUTF8 { chosenBytes in
            rejected.withUTF8 { rejectedBytes in
                var shared = 0
                let limit = min(chosenBytes.count, rejectedBytes.count)
                while shared < limit && chosenBytes[shared] == rejectedBytes[shared] { shared += 1 }
                // Back off to a scalar boundary: the first differing byte may sit inside a multi-byte sequence.
                while shared > 0 && shared < chosenBytes.count && chosenBytes[shared] & 0xC0 == 0x80 { shared -= 1 }
                let cut = lastMarkerEnd(in: UnsafeBufferPointer(rebasing: chosenBytes[..<shared])) ?? shared
                func text(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
                    String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self)
                }
                return (text(chosenBytes[..<cut]), text(chosenBytes[cut...]), text(rejectedBytes[cut...]))
            }
        }
    }

    /// The longest run of leading messages both lists share is the prompt; the rest are the completions.
    public static func split(
        chosen: [ChatMessage], rejected: [ChatMessage]
    ) -> (prompt: [ChatMessage], chosen: [ChatMessage], rejected: [ChatMessage]) {
        var shared = 0
        while shared < min(chosen.count, rejected.count) && chosen[shared] == rejected[shared] { shared += 1 }
        return (Array(chosen[..<shared]), Array(chosen[shared...]), Array(rejected[shared...]))
    }

    private static func lastMarkerEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let marker = Array(assistantMarker.utf8)
        guard bytes.count >= marker.count else { return nil }
        var start = bytes.count - marker.count
        while start >= 0 {
            if bytes[start] == marker[0] && bytes[start..<start + marker.count].elementsEqual(marker) {
                return start + marker.count
            }
            start -= 1
        }
        return nil
    }
}
