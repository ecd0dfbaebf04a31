#include "core/error.h"

namespace qrt {
namespace {
thread_local std::string last_error_message;
}

void set_last_error(std::string message) noexcept {
    try {
        last_error_message = std::move(message);
    } catch (...) {
        // Assigning can only fail for lack of memory; keep whatever message was there.
    }
}

const char* last_error() noexcept { return last_error_message.c_str(); }

}  // namespace qrt
