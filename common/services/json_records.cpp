#include "services/json_records.hpp"

namespace usersvc {

int JsonRecordReader::get() {
    int c = in_.get();
    if (c == std::char_traits<char>::eof()) return -1;
    ++bytes_;
    if (c == '\n') ++line_;
    return c;
}

bool JsonRecordReader::next(std::string& text, std::size_t& line) {
    text.clear();
    int c;
    // Skip separators between records: whitespace, commas, the array brackets.
    do {
        c = get();
        if (c < 0) return false;
        // One array around the records; an array inside it is no record, but garbage.
        if (c == '[' && openArrays_ > 0) break;
        if (c == '[') ++openArrays_;
        if (c == ']') --openArrays_;
    } while (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == '[' || c == ']');
    line = line_;
    if (c != '{') {
        // Garbage: take the rest of the line so the caller can report it.
        while (c >= 0 && c != '\n') {
            text.push_back(static_cast<char>(c));
            c = get();
        }
        return true;
    }
    int depth = 0;
    bool inString = false, escaped = false;
    while (c >= 0) {
        text.push_back(static_cast<char>(c));
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return true;
        }
        c = get();
    }
    return true; // truncated input: the parser will say so
}

} // namespace usersvc
