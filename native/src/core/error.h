// Errors inside libqrt: a C++ exception carrying a qrt_status, turned into a status code and a
// thread-local message at the C ABI boundary by guarded(). Nothing else may cross the boundary.
#pragma once

#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "qrt.h"

namespace qrt {

// Builds a message from any streamable parts: concat("expected rank ", 2, ", got ", 3).
template <class... Parts>
std::string concat(Parts&&... parts) {
    std::ostringstream out;
    (out << ... << std::forward<Parts>(parts));
    return out.str();
}

class Error : public std::runtime_error {
public:
    Error(qrt_status status, std::string message) : std::runtime_error(std::move(message)), status_(status) {}
    qrt_status status() const noexcept { return status_; }

private:
    qrt_status status_;
};

// Records the message qrt_last_error() returns on this thread.
void set_last_error(std::string message) noexcept;

// The message of the most recent failure on this thread ("" if none).
const char* last_error() noexcept;

// Runs body and maps what it throws to a status: qrt::Error keeps its own, std::bad_alloc becomes
// QRT_STATUS_OUT_OF_MEMORY, anything else QRT_STATUS_INTERNAL_ERROR. `function` names the entry point
// in messages that did not come with one.
template <class Body>
qrt_status guarded(const char* function, Body&& body) noexcept {
    try {
        body();
        return QRT_STATUS_OK;
    } catch (const Error& error) {
        set_last_error(error.what());
        return error.status();
    } catch (const std::bad_alloc&) {
        set_last_error(concat(function, ": out of host memory"));
        return QRT_STATUS_OUT_OF_MEMORY;
    } catch (const std::exception& error) {
        set_last_error(concat(function, ": internal error: ", error.what()));
        return QRT_STATUS_INTERNAL_ERROR;
    } catch (...) {
        set_last_error(concat(function, ": internal error: unknown exception"));
        return QRT_STATUS_INTERNAL_ERROR;
    }
}

}  // namespace qrt
