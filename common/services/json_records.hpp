#pragma once
// Reads one JSON object at a time from a stream holding either JSON lines or a
// JSON array of objects (both are what mongoexport writes), without holding
// the whole input in memory. Tracks the line each record starts on.
#include <cstddef>
#include <istream>
#include <string>

namespace usersvc {

class JsonRecordReader {
public:
    explicit JsonRecordReader(std::istream& in) : in_(in) {}

    // The next top-level object's text and its starting line; false at the end.
    // Text between objects that is not whitespace, ',' or the array's brackets
    // comes back as one record too, so the caller reports it as malformed.
    bool next(std::string& text, std::size_t& line);

    std::size_t bytesRead() const { return bytes_; }
    // After next() returned false: the input ended inside a JSON array (`[`
    // with no `]`), which a truncated file or a cut-off pipe leaves.
    bool endedInsideArray() const { return openArrays_ > 0; }
    std::size_t line() const { return line_; }

private:
    int get();
    std::istream& in_;
    int openArrays_ = 0;
    std::size_t line_ = 1;
    std::size_t bytes_ = 0;
};

} // namespace usersvc
